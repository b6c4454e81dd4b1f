"""A fake ElevenLabs text-to-speech API: POST /v1/text-to-speech/{voice_id}/with-timestamps.

Answers like the service: JSON with base64 audio (a real tone as long as the speech, made
with ffmpeg, mp3 or raw 16-bit PCM as `output_format` asks) and a character alignment of
the text sent, `seconds_per_character` per character, plus the `character-cost` and
`request-id` headers. The key travels in the `xi-api-key` header. `spoken` records what each
answered request asked for (text, model, language code), for tests to check.
"""

from __future__ import annotations

import base64
import re
import tempfile
import uuid
from pathlib import Path

from shorts_assets.media.ffmpeg import ffmpeg_exe, run_args
from shorts_assets_tests.fakes import FakeServer, Request, Response

PATH = re.compile(r"^/v1/text-to-speech/(?P<voice_id>[^/]+)/with-timestamps$")
FORMAT = re.compile(r"^(?P<codec>mp3|pcm)_(?P<rate>\d+)(?:_\d+)?$")


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error the way ElevenLabs words them: {"detail": {"status": ..., "message": ...}}."""
    return Response(status, {"detail": {"status": code, "message": message}}, headers or {})


class FakeElevenLabs(FakeServer):
    def __init__(self, api_key: str = "test-elevenlabs-key", seconds_per_character: float = 0.06):
        super().__init__()
        self.api_key = api_key
        self.seconds_per_character = seconds_per_character
        self.spoken: list[dict] = []

    def handle(self, request: Request) -> Response:
        match = PATH.match(request.path)
        if request.method != "POST" or not match:
            return Response(404, {"detail": "Not Found"})
        if request.headers.get("xi-api-key") != self.api_key:
            return error(401, "invalid_api_key", "Invalid API key")
        body = request.json()
        text = body.get("text") or ""
        output_format = request.query.get("output_format", ["mp3_44100_128"])[0]
        fmt = FORMAT.match(output_format)
        if not text.strip() or not fmt:
            return Response(422, {"detail": [{"loc": ["body", "text"], "msg": "text or output_format is invalid"}]})
        self.spoken.append({"text": text, "model_id": body.get("model_id"), "language_code": body.get("language_code")})
        starts = [round(i * self.seconds_per_character, 3) for i in range(len(text))]
        ends = [round((i + 1) * self.seconds_per_character, 3) for i in range(len(text))]
        alignment = {
            "characters": list(text),
            "character_start_times_seconds": starts,
            "character_end_times_seconds": ends,
        }
        audio = tone(len(text) * self.seconds_per_character, fmt["codec"], int(fmt["rate"]))
        return Response(
            200,
            {"audio_base64": base64.b64encode(audio).decode(), "alignment": alignment,
             "normalized_alignment": alignment},
            {"character-cost": str(len(text)), "request-id": uuid.uuid4().hex,
             "history-item-id": uuid.uuid4().hex[:20]},
        )


def tone(seconds: float, codec: str, rate: int) -> bytes:
    """A 220 Hz tone of `seconds`, as mp3 or raw little-endian 16-bit mono PCM."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"tone.{'mp3' if codec == 'mp3' else 'raw'}"
        encode = ["-c:a", "libmp3lame", "-b:a", "128k"] if codec == "mp3" else ["-f", "s16le", "-c:a", "pcm_s16le"]
        run_args(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-f", "lavfi",
             "-i", f"sine=frequency=220:sample_rate={rate}:duration={seconds:.3f}", "-ac", "1", *encode, str(out)],
            "make the fake ElevenLabs audio",
        )
        return out.read_bytes()
