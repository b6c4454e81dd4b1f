"""The offline voice: `EspeakVoice` drives the espeak-ng library that the `espeakng-loader`
wheel ships (library and voice data inside the wheel, so `pip install` is the whole setup)
through ctypes, and reads word timings from espeak's own word events rather than guessing them.
It is over 300 lines because the ctypes binding, the engine and the event-to-word mapping
belong together: each is meaningless without the others.

How the timings are made:
- All scenes are spoken in one `espeak_Synth` call, each scene closed as a sentence (a
  final period if it has none, and a newline before the next scene: espeak does not end a
  sentence at ". " when the next word is lower case), so prosody runs naturally.
- espeak reports `espeakEVENT_WORD` with `text_position`: a 1-based position counted in
  *characters* (code points) of the UTF-8 text, not bytes. We build the spoken text from
  the caption units of each scene (words, or BudouX phrases where words run together: espeak
  may report several as one word, and they then share its timing), remember each token's
  character span, and map every word event back to the token it falls in. One token can get several events
  ("42" is spoken as "forty two"); the first one is its start.
- A word ends where the next one starts, except before a clause or sentence end
  (`espeakEVENT_END`) and at the very end: there the end is the last audible sound before
  the pause, found in the samples.
- Tokens espeak does not speak (a lone "-" or "...") are joined to a neighbouring word of
  the same scene, so joining the words of a scene gives back the scene's text.
"""

from __future__ import annotations

import ctypes
import difflib
import os
import re
import sys
import threading
import wave
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg

from shorts_assets import models
from shorts_assets.languages import DEFAULT, Language
from shorts_assets.providers import PermanentError
from shorts_assets.providers.voices import Speech, Token, spoken_text
from shorts_assets.text_rules import join_units

# --------------------------------------------------------------------------------------------
# espeak-ng through ctypes (layout from espeak-ng's speak_lib.h, API revision 12)

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_INITIALIZE_DONT_EXIT = 0x8000  # report a missing data dir instead of exit()ing
ESPEAK_CHARS_UTF8 = 1
POS_CHARACTER = 1
EE_OK, EE_NOT_FOUND = 0, 2
ESPEAK_RATE, ESPEAK_PITCH = 1, 3
EVENT_LIST_TERMINATED, EVENT_WORD, EVENT_SENTENCE, EVENT_END = 0, 1, 2, 5
EVENT_MSG_TERMINATED, EVENT_SAMPLERATE = 6, 8


class _EventId(ctypes.Union):
    _fields_ = [
        ("number", ctypes.c_int),  # WORD and SENTENCE events
        ("name", ctypes.c_char_p),  # MARK and PLAY events
        ("string", ctypes.c_char * 8),  # PHONEME events
    ]


class _Event(ctypes.Structure):
    """espeak_EVENT: 40 bytes on 64-bit (6 ints, a pointer at offset 24, an 8-byte union)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters of the text
        ("length", ctypes.c_int),  # characters, for WORD events
        ("audio_position", ctypes.c_int),  # milliseconds into the output
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class _Mark:
    type: int
    text_position: int  # 0-based character index into the spoken text
    audio_ms: int


class _Espeak:
    """The process's one espeak-ng engine. espeak is not thread-safe: use it under `lock`."""

    lock = threading.Lock()

    def __init__(self) -> None:
        import espeakng_loader

        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib = self._lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int

        data_path = espeakng_loader.get_data_path()
        rate = lib.espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, 500, data_path.encode(), ESPEAK_INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise RuntimeError(f"espeak-ng failed to initialise with data from {data_path}")
        self.sample_rate = rate
        self._pcm = bytearray()
        self._marks: list[_Mark] = []
        self._error: BaseException | None = None
        self._callback = _CALLBACK(self._on_synth)  # kept referenced for the library's sake
        lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, count, events) -> int:
        try:
            if wav and count > 0:
                self._pcm += ctypes.string_at(wav, count * 2)
            i = 0
            while events[i].type != EVENT_LIST_TERMINATED:
                event = events[i]
                if event.type == EVENT_SAMPLERATE:
                    self.sample_rate = event.id.number
                elif event.type in (EVENT_WORD, EVENT_SENTENCE, EVENT_END):
                    self._marks.append(
                        _Mark(event.type, event.text_position - 1, event.audio_position)
                    )
                i += 1
            return 0
        except BaseException as error:  # never let an exception cross the C boundary
            self._error = error
            return 1

    def synth(self, text: str, voice: str, rate_wpm: int, pitch: int) -> tuple[bytes, list[_Mark]]:
        """Speak `text`; return 16-bit little-endian mono samples and the events."""
        if self._lib.espeak_SetVoiceByName(voice.encode()) != EE_OK:
            known = available_voices()
            close = difflib.get_close_matches(voice.lower(), known, n=4, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ValueError(
                f"espeak-ng has no voice {voice!r}; {hint}voices are language codes such as "
                f"en-us, en, de, es, fr ({len(known)} in all, see available_voices())"
            )
        self._lib.espeak_SetParameter(ESPEAK_RATE, rate_wpm, 0)
        self._lib.espeak_SetParameter(ESPEAK_PITCH, pitch, 0)
        self._pcm, self._marks, self._error = bytearray(), [], None
        data = text.encode("utf-8")
        status = self._lib.espeak_Synth(
            data, len(data) + 1, 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None
        )
        if self._error is not None:
            raise RuntimeError(f"espeak-ng callback failed: {self._error!r}") from self._error
        if status != EE_OK:
            raise RuntimeError(f"espeak-ng could not synthesise the text (error {status})")
        return bytes(self._pcm), self._marks


@cache
def available_voices() -> list[str]:
    """The voice names espeak-ng knows (language codes such as "en-us"), lower case."""
    import espeakng_loader

    lang = Path(espeakng_loader.get_data_path()) / "lang"
    return sorted({path.name.lower() for path in lang.rglob("*") if path.is_file()})


_engine: _Espeak | None = None
_engine_pid: int | None = None


def _espeak() -> _Espeak:
    """The engine of this process, initialised once (again in a forked child). Hold the lock."""
    global _engine, _engine_pid
    if _engine is None or _engine_pid != os.getpid():
        _engine, _engine_pid = _Espeak(), os.getpid()
    return _engine


# Names people write for voices espeak-ng files under another name ("en" is British English).
VOICE_ALIASES = {"en-gb": "en", "en-uk": "en"}
_VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]{0,40}$")


def _audible_end(samples: array, rate: int, start_s: float, stop_s: float, floor: int) -> float:
    """The last moment in [start_s, stop_s] with sound above `floor`, in seconds."""
    frame = max(1, rate // 200)  # 5 ms
    first = int(start_s * rate)
    position = min(len(samples), int(stop_s * rate))
    while position - frame > first:
        chunk = samples[position - frame : position]
        if max(chunk) > floor or -min(chunk) > floor:
            return position / rate
        position -= frame
    return start_s


def _timings(
    tokens: list[Token], marks: list[_Mark], samples: array, rate: int, language: Language = DEFAULT
) -> list[models.WordTiming]:
    """One timing per word espeak reports; tokens it reports as one (units of an unspaced
    language it reads as one word) share it, set together as the language sets units."""
    starts = [token.start_char for token in tokens]

    # Word events inside a token's span are that token's. An event on the gap between two
    # tokens is ambiguous: after a period that does not end a sentence espeak reports the
    # next word one character early (on the space), but the second word of an expansion
    # ("😀" is "grinning face") is also reported on the space after its token. So a gap
    # event starts the next token only when that token has no event of its own.
    gap_events: list[tuple[int, _Mark]] = []
    for mark in marks:
        if mark.type == EVENT_WORD:
            i = bisect_right(starts, mark.text_position) - 1
            if i >= 0 and mark.text_position < tokens[i].end_char:
                if tokens[i].start_ms is None:
                    tokens[i].start_ms = mark.audio_ms
            else:
                gap_events.append((i, mark))
    for i, mark in gap_events:
        if i + 1 < len(tokens) and tokens[i + 1].start_ms is None:
            tokens[i + 1].start_ms = mark.audio_ms
        elif i >= 0 and tokens[i].start_ms is None:
            tokens[i].start_ms = mark.audio_ms
    for mark in marks:
        if mark.type == EVENT_END:
            i = bisect_right(starts, mark.text_position) - 1
            if i >= 0:
                tokens[i].clause_end = True
    tokens[-1].clause_end = True

    # Group tokens into timed words: an unspoken token joins a neighbour in its own scene
    # (the word before it, or at the start of a scene the word after it), and a token heard
    # no later than the word before it joins that word, so starts always increase.
    groups: list[list[Token]] = []
    pending: list[Token] = []  # unspoken tokens at a scene's start, waiting for a word
    for token in tokens:
        last = groups[-1] if groups and groups[-1][0].scene == token.scene else None
        if token.start_ms is not None and (last is None or token.start_ms > _head(last).start_ms):
            if pending and pending[0].scene != token.scene:
                _attach(groups, pending)
                pending = []
            groups.append([*pending, token])
            pending = []
        elif last is not None:
            last.extend([*pending, token])
            pending = []
        else:
            if pending and pending[0].scene != token.scene:
                _attach(groups, pending)
                pending = []
            pending.append(token)
    if pending:
        _attach(groups, pending)

    peak = max((max(samples, default=0), -min(samples, default=0)))
    floor = max(64, peak // 40)  # about -32 dB below the loudest sample
    total = len(samples) / rate
    words: list[models.WordTiming] = []
    previous = -1.0
    for n, group in enumerate(groups):
        head = _head(group)
        start = max(head.start_ms / 1000, previous + 0.001)
        previous = start
        following = groups[n + 1] if n + 1 < len(groups) else None
        boundary = max(_head(following).start_ms / 1000 if following else total, start + 0.001)
        end = boundary
        if any(token.clause_end for token in group):
            end = _audible_end(samples, rate, start, boundary, floor)
        end = min(max(end, start + 0.05), boundary)
        words.append(
            models.WordTiming(
                word=join_units([token.word for token in group], language),
                start=round(start, 3),
                end=round(end, 3),
                scene=head.scene,
            )
        )
    return words


def _head(group: list[Token]) -> Token:
    """The first spoken token of a word group: its start is the word's start."""
    return next(token for token in group if token.start_ms is not None)


def _attach(groups: list[list[Token]], pending: list[Token]) -> None:
    """Join unspoken trailing tokens to the last word of their scene."""
    scene = pending[0].scene
    if not groups or groups[-1][0].scene != scene:
        raise ValueError(
            f"nothing speakable in scene {scene}: {' '.join(t.word for t in pending)!r}"
        )
    groups[-1].extend(pending)


# --------------------------------------------------------------------------------------------


def cannot_speak(language: Language) -> str:
    """Why a row in `language` needs a voice service, and how to select one."""
    return (
        f"the offline voice (espeak-ng) cannot speak {language.name} ({language.code}): it would spell the "
        "text out instead of reading it. Select a voice service that speaks it: SHORTS_VOICE=elevenlabs "
        "with ELEVENLABS_API_KEY set"
    )


class EspeakVoice(dg.ConfigurableResource):
    """Offline narration with espeak-ng (from the espeakng-loader wheel), with word timings.

    `voice` in `speak` is an espeak voice name such as "en-us", "en", "de", "es", "fr",
    optionally with a variant ("en-us+f3"); empty, the row's language picks it.
    """

    rate_wpm: int = 165
    pitch: int = 50

    def voice_for(self, voice: str, language: Language) -> str:
        """The row's own voice, or its language's espeak voice; a language espeak cannot speak
        usably (Language.espeak is None) is a PermanentError that names the service to select."""
        if language.espeak is None:
            raise PermanentError(cannot_speak(language))
        name = (voice or language.espeak).lower()  # espeak-ng names are lower-case
        return VOICE_ALIASES.get(name, name)

    def cache_key(self, scenes: list[str], voice: str, language: Language = DEFAULT) -> str | None:
        return None  # free and fast: speaking again costs less than storing a copy

    def speak(self, scenes: list[str], voice: str, out_path: Path, language: Language = DEFAULT) -> Speech:
        if not 80 <= self.rate_wpm <= 450:
            raise ValueError(f"rate_wpm must be 80-450 words per minute, got {self.rate_wpm}")
        if not 0 <= self.pitch <= 100:
            raise ValueError(f"pitch must be 0-100, got {self.pitch}")
        if not isinstance(voice, str) or (voice and not _VOICE_NAME.match(voice)):
            raise ValueError(f"not an espeak-ng voice name: {voice!r}")
        voice = self.voice_for(voice, language)
        text, tokens = spoken_text(list(scenes), language)
        with _Espeak.lock:
            engine = _espeak()
            pcm, marks = engine.synth(text, voice, self.rate_wpm, self.pitch)
            rate = engine.sample_rate
        samples = array("h")
        samples.frombytes(pcm)  # native byte order, as espeak wrote them
        if sys.byteorder == "big":  # WAV data is little-endian
            swapped = array("h", samples)
            swapped.byteswap()
            pcm = swapped.tobytes()
        if not samples:
            raise RuntimeError(f"espeak-ng produced no audio for voice {voice!r}")
        words = _timings(tokens, marks, samples, rate, language)

        out = Path(out_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        with wave.open(str(partial), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm)
        partial.replace(out)
        return Speech(path=out, sample_rate=rate, duration_s=len(samples) / rate, words=words)
