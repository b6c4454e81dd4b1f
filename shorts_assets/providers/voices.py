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
    """Speaks the scenes of a script, in order, into one audio file."""

    def speak(self, scenes: list[str], voice: str, out_path: Path) -> Speech:
        """Speak `scenes` with `voice`; each WordTiming carries the index of its scene."""
        ...

    def cache_key(self, scenes: list[str], voice: str) -> str | None:
        """A key for reusing a paid narration of the same text, voice and settings; None: don't."""
        ...


# --------------------------------------------------------------------------------------------
# From scenes to spoken text and back

_SENTENCE_END = ".!?…"
_CLOSERS = "\"')]}»”’"
@dataclass
class Token:
    word: str  # as the caller wrote it
    scene: int
    start_char: int  # span in the spoken text
    end_char: int
    start_ms: int | None = None
    clause_end: bool = False


def spoken_text(scenes: list[str]) -> tuple[str, list[Token]]:
    """Join the scenes into one text, each scene ending a sentence; remember token spans."""
    if not scenes:
        raise ValueError("nothing to speak: no scenes")
    parts: list[str] = []
    tokens: list[Token] = []
    cursor = 0
    for index, scene in enumerate(scenes):
        words = (scene or "").split()
        if not words:
            raise ValueError(f"nothing to speak in scene {index}: its text is empty")
        for position, word in enumerate(words):
            spoken = unicodedata.normalize("NFC", word)
            if position == len(words) - 1:
                spoken = _end_sentence(spoken)
            if parts:
                # A newline between scenes makes espeak end the sentence even when the next
                # scene starts in lower case (". café" alone does not).
                parts.append("\n" if position == 0 else " ")
                cursor += 1
            tokens.append(Token(word, index, cursor, cursor + len(spoken)))
            parts.append(spoken)
            cursor += len(spoken)
    return "".join(parts), tokens


def _end_sentence(word: str) -> str:
    bare = word.rstrip(_CLOSERS)
    if bare and bare[-1] in _SENTENCE_END:
        return word
    if bare and bare[-1] in ",;:-–—":
        return bare[:-1] + "." + word[len(bare):] if len(bare) > 1 else word + "."
    return word + "."
