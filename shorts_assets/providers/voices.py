"""Voices: narration audio with word timings.

`Voice` is the role, with what every voice shares: the `Speech` it returns and how the
scenes become one spoken text whose tokens map back to their scenes (`spoken_text`).
`EspeakVoice` (espeak_voice.py) is the offline default; ElevenLabs is the service.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from shorts_assets import models
from shorts_assets.languages import DEFAULT, Language
from shorts_assets.text_rules import SENTENCE_ENDS, full_stop, units


@dataclass(frozen=True)
class Speech:
    """A narration: a mono 16-bit WAV and when each word is heard."""

    path: Path
    sample_rate: int
    duration_s: float
    words: list[models.WordTiming]
    cost: models.Cost | None = None


@runtime_checkable
class Voice(Protocol):
    """Speaks the scenes of a script, in order, into one audio file, in the row's language."""

    def voice_for(self, voice: str, language: Language) -> str:
        """The voice that speaks a row: its own `voice`, or this service's voice for `language`.

        Raises PermanentError, saying which voice service to select, when this voice cannot
        speak `language` usably: the sheet check and the narration step ask the same question.
        """
        ...

    def speak(self, scenes: list[str], voice: str, out_path: Path, language: Language = DEFAULT) -> Speech:
        """Speak `scenes` with `voice` (from `voice_for`); each WordTiming carries its scene's index."""
        ...

    def cache_key(self, scenes: list[str], voice: str, language: Language = DEFAULT) -> str | None:
        """A key for reusing a paid narration of the same text, voice and settings; None: don't."""
        ...


# --------------------------------------------------------------------------------------------
# From scenes to spoken text and back

_CLOSERS = "\"')]}»”’」』）"


@dataclass
class Token:
    word: str  # as the caller wrote it: a word, or a segmenter's phrase where words run together
    scene: int
    start_char: int  # span in the spoken text
    end_char: int
    start_ms: int | None = None
    clause_end: bool = False


def spoken_text(scenes: list[str], language: Language = DEFAULT) -> tuple[str, list[Token]]:
    """Join the scenes into one text, each scene ending a sentence; remember token spans.

    Tokens are the language's caption units (`text_rules.units`): words, or BudouX phrases in
    Japanese, Chinese and Thai. Units written together stay together in the spoken text, so a
    voice hears the text as written and each unit still has its own span to be timed by.
    """
    if not scenes:
        raise ValueError("nothing to speak: no scenes")
    stop = full_stop(language)
    parts: list[str] = []
    tokens: list[Token] = []
    cursor = 0
    for index, scene in enumerate(scenes):
        text = scene or ""
        words = units(text, language)
        if not words:
            raise ValueError(f"nothing to speak in scene {index}: its text is empty")
        found = 0
        for position, word in enumerate(words):
            at = text.find(word, found)
            spoken = unicodedata.normalize("NFC", word)
            if position == len(words) - 1:
                spoken = _end_sentence(spoken, stop)
            if parts:
                # A newline between scenes makes espeak end the sentence even when the next
                # scene starts in lower case (". café" alone does not).
                gap = "\n" if position == 0 else " " if at > found else ""
                parts.append(gap)
                cursor += len(gap)
            tokens.append(Token(word, index, cursor, cursor + len(spoken)))
            parts.append(spoken)
            cursor += len(spoken)
            found = at + len(word)
    return "".join(parts), tokens


def _end_sentence(word: str, stop: str = ".") -> str:
    bare = word.rstrip(_CLOSERS)
    if bare and bare[-1] in SENTENCE_ENDS:
        return word
    if bare and bare[-1] in ",;:-–—、，；：":
        return bare[:-1] + stop + word[len(bare):] if len(bare) > 1 else word + stop
    return word + stop
