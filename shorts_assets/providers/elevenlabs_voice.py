"""ElevenLabs narration with word timings, through the official `elevenlabs` SDK.

All scenes are spoken in one `with-timestamps` request, so prosody runs across scene
boundaries and the service bills the text once. The response carries the audio (base64)
and a per-character alignment of the text we sent; a word is a run of non-space
characters, heard from its first character's start to its last character's end, and its
scene is the one whose character range holds it. Where words run together (Japanese,
Chinese, Thai) a run holds several caption units, and each unit is timed by its own characters.

English rows are spoken with the configured model; other languages with the multilingual
one (`multilingual_model_id`), which reads the language from the text. Models that take a
`language_code` (the flash and turbo v2.5 models, v3) get the row's. A row in a language the
model does not speak is refused at the sheet (`voice_for`), as espeak-ng's are.

Retries: the SDK retries 408/409/429/5xx itself, honouring Retry-After. We keep that to
`max_retries` (default 1) so a blip costs no new step, then hand over to Dagster's
RetryPolicy with a `TransientError` that carries the server's Retry-After.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import wave
from bisect import bisect_left, bisect_right
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import ffmpeg
import httpx

from shorts_assets import models
from shorts_assets.languages import DEFAULT, Language
from shorts_assets.media.ffmpeg import run
from shorts_assets.providers import PermanentError, TransientError
from shorts_assets.providers.http_errors import retry_after
from shorts_assets.providers.voices import Speech, Token, spoken_text

if TYPE_CHECKING:  # the SDK is imported when a voice is spoken: only where ElevenLabs is selected
    from elevenlabs import VoiceSettings
    from elevenlabs.core.api_error import ApiError

SAMPLE_RATE = 44100
# ElevenLabs voice ids are 20 letters and digits; anything else (say "en-us") is not one.
_VOICE_ID = re.compile(r"^[A-Za-z0-9]{16,32}$")
_QUOTA_CODES = {"quota_exceeded", "insufficient_credits", "payment_required", "exceeded_credits"}
_RETRYABLE = {408, 409, 429}
# The languages a model speaks, from ElevenLabs' model list (GET /v1/models), by ISO 639-1 code;
# a model not named here (eleven_v3, with 70+ languages, or a newer one) is not checked.
_MULTILINGUAL_V2 = frozenset({
    "en", "ja", "zh", "de", "hi", "fr", "ko", "pt", "it", "es", "id", "nl", "tr", "fil", "pl", "sv", "bg", "ro",
    "ar", "cs", "el", "fi", "hr", "ms", "sk", "da", "ta", "uk", "ru",
})
MODEL_LANGUAGES = {
    "eleven_multilingual_v2": _MULTILINGUAL_V2,
    "eleven_flash_v2_5": _MULTILINGUAL_V2 | {"hu", "no", "vi"},
    "eleven_turbo_v2_5": _MULTILINGUAL_V2 | {"hu", "no", "vi"},
}


class ElevenLabsVoice(dg.ConfigurableResource):
    """Narration from ElevenLabs text-to-speech with character timestamps.

    `voice` in `speak` is the row's voice column: an ElevenLabs voice id is used as is;
    anything else (an espeak name such as "en-us", an empty cell) means `default_voice_id`,
    whose multilingual model speaks every language the factory knows.
    """

    api_key: str
    base_url: str = ""  # "" = the SDK's production endpoint
    default_voice_id: str = "21m00Tcm4TlvDq8ikWAM"  # "Rachel", a premade voice every account has
    model_id: str = "eleven_multilingual_v2"  # SHORTS_ELEVENLABS_MODEL: for English rows
    multilingual_model_id: str = "eleven_multilingual_v2"  # SHORTS_ELEVENLABS_MULTILINGUAL_MODEL: the others
    stability: float = 0.5
    similarity_boost: float = 0.75
    style: float = 0.0
    speed: float = 1.0
    output_format: str = "mp3_44100_128"  # or pcm_44100 etc. on plans that allow it
    price_per_1k_characters: float = 0.10  # USD, API price of the multilingual v2 model
    timeout: float = 120.0
    max_retries: int = 1

    def voice_id(self, voice: str) -> str:
        voice = (voice or "").strip()
        return voice if _VOICE_ID.match(voice) else self.default_voice_id

    def voice_for(self, voice: str, language: Language) -> str:
        """The row's voice id, or the default voice, if the language's model speaks the language."""
        model = self.model_for(language)
        if language.code.split("-")[0] not in MODEL_LANGUAGES.get(model, {language.code.split("-")[0]}):
            offline = " or the offline voice (SHORTS_VOICE=espeak)" if language.espeak else ""
            raise PermanentError(
                f"ElevenLabs' {model} does not speak {language.name} ({language.code}): select a model that "
                f"does with SHORTS_ELEVENLABS_MULTILINGUAL_MODEL (eleven_v3 speaks 70+ languages){offline}"
            )
        return self.voice_id(voice)

    def model_for(self, language: Language) -> str:
        return self.model_id if language.code == "en" else self.multilingual_model_id

    def language_code(self, language: Language) -> str | None:
        """The ISO 639-1 code for models that take one; multilingual v1/v2 read the language from
        the text and once refused the parameter."""
        return None if self.model_for(language).startswith("eleven_multilingual") else language.code.split("-")[0]

    def voice_settings(self) -> VoiceSettings:
        from elevenlabs import VoiceSettings

        return VoiceSettings(
            stability=self.stability, similarity_boost=self.similarity_boost, style=self.style, speed=self.speed
        )

    def cache_key(self, scenes: list[str], voice: str, language: Language = DEFAULT) -> str:
        """Everything that changes the audio, hashed: the same key means the same paid narration."""
        text, _ = spoken_text(list(scenes), language)
        identity = {
            "service": "elevenlabs",
            "model_id": self.model_for(language),
            "language_code": self.language_code(language),
            "voice_id": self.voice_id(voice),
            "voice_settings": self.voice_settings().model_dump(exclude_none=True),
            "output_format": self.output_format,
            "text": text,
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def speak(self, scenes: list[str], voice: str, out_path: Path, language: Language = DEFAULT) -> Speech:
        if not self.api_key:
            raise PermanentError("ElevenLabs needs an API key: set ELEVENLABS_API_KEY")
        text, tokens = spoken_text(list(scenes), language)
        voice_id = self.voice_id(voice)
        audio, alignment, headers = self._synthesize(text, voice_id, language)
        out = Path(out_path)
        duration = self._to_wav(audio, out)
        words = _words(alignment, tokens, duration)
        billed = _billed_characters(headers, text)
        cost = models.Cost(
            service="elevenlabs",
            units={"characters": billed},
            usd=round(billed / 1000 * self.price_per_1k_characters, 6),
        )
        return Speech(path=out, sample_rate=SAMPLE_RATE, duration_s=duration, words=words, cost=cost)

    def _synthesize(self, text: str, voice_id: str, language: Language):
        """One with-timestamps request; returns (audio bytes, alignment, response headers)."""
        from elevenlabs.client import ElevenLabs
        from elevenlabs.core.api_error import ApiError

        client = ElevenLabs(api_key=self.api_key, base_url=self.base_url or None, timeout=self.timeout)
        code = self.language_code(language)
        try:
            response = client.text_to_speech.with_raw_response.convert_with_timestamps(
                voice_id=voice_id,
                text=text,
                model_id=self.model_for(language),
                **({"language_code": code} if code else {}),
                voice_settings=self.voice_settings(),
                output_format=self.output_format,
                request_options={"max_retries": self.max_retries},
            )
        except ApiError as error:
            raise self._classify(error, voice_id) from None
        except httpx.TimeoutException:
            raise TransientError(f"ElevenLabs did not answer within {self.timeout:.0f} s") from None
        except httpx.TransportError as error:
            raise TransientError(f"could not reach ElevenLabs: {type(error).__name__}") from None
        data = response.data
        alignment = data.alignment or data.normalized_alignment
        if alignment is None or not data.audio_base_64:
            raise TransientError("ElevenLabs answered without audio or timestamps")
        return base64.b64decode(data.audio_base_64), alignment, response.headers

    def _classify(self, error: ApiError, voice_id: str) -> Exception:
        """Turn an HTTP error into our contract; never echo the key."""
        status = error.status_code or 0
        code, message = _error_detail(error.body)
        message = message.strip().rstrip(".")
        if self.api_key:
            message = message.replace(self.api_key, "***")
        said = f"ElevenLabs says ({' '.join(filter(None, [str(status), code]))})" + (f": {message}" if message else "")
        if status == 402 or code in _QUOTA_CODES:
            return PermanentError(f"{said}. The account is out of credits: top up or upgrade the ElevenLabs plan")
        if status in (401, 403):
            return PermanentError(f"{said}. Set ELEVENLABS_API_KEY to a valid key with text-to-speech access")
        if status == 404 or code == "voice_not_found":
            return PermanentError(
                f"{said}. No voice {voice_id!r}: put a voice id from your ElevenLabs voice library in the row's"
                " voice column or in SHORTS_ELEVENLABS_VOICE_ID"
            )
        if status in _RETRYABLE or status >= 500:
            return TransientError(said, retry_after=retry_after(error.headers or {}))
        return PermanentError(f"{said}. Fix the script text or the ElevenLabs settings (model, voice settings)")

    def _to_wav(self, audio: bytes, out: Path) -> float:
        """Decode the service's audio to a mono 16-bit WAV; return its duration in seconds."""
        out.parent.mkdir(parents=True, exist_ok=True)
        codec, _, rate = self.output_format.partition("_")
        source = out.with_name(f".{out.name}.{codec}")
        partial = out.with_name(f".{out.name}.partial")
        source.write_bytes(audio)
        try:
            raw = {"format": "s16le", "ar": rate.partition("_")[0], "ac": 1} if codec == "pcm" else {}
            stream = ffmpeg.input(str(source), **raw).output(
                str(partial), ac=1, ar=SAMPLE_RATE, acodec="pcm_s16le", format="wav", map_metadata=-1
            )
            run(stream, "convert the ElevenLabs narration to WAV")
        finally:
            source.unlink(missing_ok=True)
        partial.replace(out)
        with wave.open(str(out)) as wav:
            return wav.getnframes() / wav.getframerate()


def _words(alignment, tokens: list[Token], duration: float) -> list[models.WordTiming]:
    """Word timings from the character alignment: each run of non-space characters is a word,
    or, when our tokens tile it (caption units written together), one word per token.

    A word that is one of our tokens takes the caller's spelling (without the period we may
    have added to end its scene); its scene comes from its character offset.
    """
    characters = alignment.characters
    offsets = list(accumulate((len(char) for char in characters), initial=0))  # where each character starts
    starts = [token.start_char for token in tokens]
    words: list[models.WordTiming] = []
    for first, last, start_char, end_char in _runs(characters):
        inside = tokens[bisect_left(starts, start_char):bisect_left(starts, end_char)]
        if inside and inside[0].start_char == start_char and inside[-1].end_char == end_char:
            pieces = [(bisect_left(offsets, t.start_char), bisect_left(offsets, t.end_char) - 1, t) for t in inside]
        else:  # the alignment spells the text otherwise (a normalised "42"): its run is the word
            pieces = [(first, last, None)]
        for begin, end_index, token in pieces:
            text = token.word if token else "".join(characters[begin : end_index + 1])
            scene = tokens[max(0, bisect_right(starts, offsets[begin]) - 1)].scene
            start = min(alignment.character_start_times_seconds[begin], duration)
            end = min(max(alignment.character_end_times_seconds[end_index], start + 0.01), duration)
            words.append(models.WordTiming(word=text, start=round(start, 3), end=round(end, 3), scene=scene))
    return words


def _runs(characters: list[str]) -> list[tuple[int, int, int, int]]:
    """(first index, last index, start offset, end offset) of each run of non-space characters."""
    runs: list[tuple[int, int, int, int]] = []
    offset = 0
    for index, char in enumerate(characters):
        if char.strip():
            if runs and runs[-1][1] == index - 1:
                runs[-1] = (runs[-1][0], index, runs[-1][2], offset + len(char))
            else:
                runs.append((index, index, offset, offset + len(char)))
        offset += len(char)
    return runs


def _error_detail(body) -> tuple[str, str]:
    """(code, message) from ElevenLabs' error bodies: {"detail": {...}} or a validation list."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        code = str(detail.get("code") or detail.get("status") or "")
        return code, str(detail.get("message") or "")
    if isinstance(detail, list):
        return "invalid_request", "; ".join(str(item.get("msg", item)) if isinstance(item, dict) else str(item)
                                            for item in detail)
    return "", str(detail or "")[:300]


def _billed_characters(headers: dict[str, str], text: str) -> int:
    """What ElevenLabs billed: its `character-cost` header when sent, else the text's length."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("character-cost", "x-character-count"):
        try:
            return int(float(lowered[name]))
        except (KeyError, ValueError):
            continue
    return len(text)
