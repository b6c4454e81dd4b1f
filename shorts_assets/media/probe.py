"""What a media file holds and how loud it is, read from ffmpeg's own log.

The imageio-ffmpeg wheel ships ffmpeg without ffprobe, so `probe` reads the input summary
ffmpeg prints for `-i`, and the loudness functions read the reports of the loudnorm and
ebur128 filters. The narration's loudness chain lives here too, next to the measurement
that sets its gain.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from shorts_assets.media.ffmpeg import MediaError, ffmpeg_exe, run_args
from shorts_assets.media.format import PRODUCTION
from shorts_assets.models import Loudness

TARGET_LUFS = -14.0
LOUDNESS_TARGET = f"I={TARGET_LUFS:g}:TP=-1.5:LRA=11"
PEAK_CEILING_DB = -2.0  # sample peaks; leaves room for inter-sample peaks under -1.5 dBTP
MAX_GAIN_PASSES = 4
GAIN_TOLERANCE_DB = 0.1
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #0:\d+.*?: (Video|Audio): (.*)")
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
_FPS = re.compile(r"([\d.]+)(k?) (?:fps|tbr)\b")
_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}


@dataclass(frozen=True)
class MediaInfo:
    """The first video and audio stream of a file; fields of a missing stream are None."""

    duration_s: float | None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    pix_fmt: str | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None


def probe(path: Path | str) -> MediaInfo:
    """Describe a media file from the summary ffmpeg prints when it opens it."""
    src = _existing(path)
    log = run_args(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(src), "-map", "0", "-c", "copy",
         "-t", "0", "-f", "null", "-"],
        f"probe {src.name}",
    )
    return parse_input_summary(log)


def check_decodes(path: Path | str) -> None:
    """Raise MediaError unless ffmpeg decodes a first picture: a truncated or corrupt file fails here."""
    run_args([ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(_existing(path)), "-map", "0:v:0", "-frames:v", "1",
              "-f", "null", "-"], f"decode {Path(path).name}")


def parse_input_summary(log: str) -> MediaInfo:
    """Parse the `Input #0` section of an ffmpeg log (the output section is ignored)."""
    summary = re.split(r"^Output #0|^Stream mapping:", log, maxsplit=1, flags=re.M)[0]
    fields: dict = {"duration_s": _duration(summary)}
    for kind, desc in _STREAM.findall(summary):
        if kind == "Video" and "video_codec" not in fields and "(attached pic)" not in desc:
            fields.update(_video_fields(desc))
        elif kind == "Audio" and "audio_codec" not in fields:
            fields.update(_audio_fields(desc))
    return MediaInfo(**fields)


def measure_loudness(path: Path | str) -> Loudness:
    """Measure a narration, and find the gain that takes it to -14 LUFS through `voice_filters`.

    loudnorm's linear mode cannot do this for peaky speech such as espeak's (peaks about 20 dB
    over the loudness): the gain would push the peaks over the ceiling, so loudnorm falls back
    to its dynamic mode and ends up near -16 LUFS. The voice chain limits the peaks instead,
    which costs some loudness; `target_offset` is the extra gain that buys it back, found by
    running the chain on the narration (a fraction of a second each) until it lands on target.
    """
    src = _existing(path)
    measured = _loudnorm_first_pass(src)
    offset = 0.0
    for _ in range(MAX_GAIN_PASSES):
        chain = _chain(voice_filters(TARGET_LUFS - measured.input_i + offset))
        missing = TARGET_LUFS - _integrated(src, chain + ",")
        if abs(missing) <= GAIN_TOLERANCE_DB:
            break
        offset += missing
    return measured.model_copy(update={"target_offset": round(offset, 2)})


def voice_filters(
    gain_db: float, sample_rate: int = PRODUCTION.sample_rate
) -> list[tuple[str, dict[str, str | int]]]:
    """The narration chain as (filter, options): stereo at the output's rate, one gain, a peak limiter.

    `measure_loudness` and the renderer run exactly this chain, so the measured gain holds.
    """
    ceiling = f"{10 ** (PEAK_CEILING_DB / 20):.4f}"
    return [
        ("aformat", {"sample_fmts": "fltp", "sample_rates": sample_rate, "channel_layouts": "stereo"}),
        ("volume", {"volume": f"{gain_db:.2f}dB"}),
        ("alimiter", {"limit": ceiling, "level": "false", "latency": "true"}),
    ]


def voice_gain_db(loudness: Loudness) -> float:
    """The gain `voice_filters` needs to take this narration to the target loudness."""
    return TARGET_LUFS - loudness.input_i + loudness.target_offset


def integrated_loudness(path: Path | str) -> float:
    """Integrated loudness in LUFS (EBU R128), to check what a render delivered."""
    return _integrated(_existing(path), "")


def _loudnorm_first_pass(src: Path) -> Loudness:
    """loudnorm's first-pass measurement, from the JSON block it prints last."""
    log = run_args(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(src), "-vn",
         "-af", f"loudnorm={LOUDNESS_TARGET}:print_format=json", "-f", "null", "-"],
        f"measure the loudness of {src.name}",
    )
    start, end = log.rfind("{"), log.rfind("}")
    if start < 0 or end < start:
        raise MediaError(f"loudnorm printed no measurement for {src.name}")
    report = json.loads(log[start : end + 1])
    fields = ("input_i", "input_tp", "input_lra", "input_thresh", "target_offset")
    values = {field: float(report[field]) for field in fields}
    if not all(math.isfinite(value) for value in values.values()):
        raise MediaError(f"{src.name} has no measurable loudness (is it silent?): {report}")
    return Loudness(**values)


def _integrated(src: Path, chain: str) -> float:
    """Integrated loudness of `src` after a filter chain, from ebur128's summary."""
    log = run_args(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(src), "-vn",
         "-af", f"{chain}ebur128", "-f", "null", "-"],
        f"measure the integrated loudness of {src.name}",
    )
    found = re.findall(r"^\s*I:\s+(-?[\d.]+|-inf) LUFS", log, flags=re.M)
    if not found:
        raise MediaError(f"ebur128 printed no integrated loudness for {src.name}")
    return float(found[-1])


def _chain(filters: list[tuple[str, dict[str, str | int]]]) -> str:
    """A filter chain string; the options are plain numbers and words, so nothing to escape."""
    return ",".join(
        name + "=" + ":".join(f"{key}={value}" for key, value in options.items())
        for name, options in filters
    )


def _existing(path: Path | str) -> Path:
    """An absolute path (so a ':' in a name is never read as a protocol) to a file that exists."""
    src = Path(path).absolute()
    if not src.is_file():
        raise MediaError(f"no such media file: {src}")
    return src


def _duration(summary: str) -> float | None:
    match = _DURATION.search(summary)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _video_fields(desc: str) -> dict:
    """`h264 (High) (avc1 / ...), yuv420p(tv, bt709), 1080x1920 [SAR 1:1 ...], ..., 30 fps, ...`."""
    parts = _top_level_parts(desc)
    size = _SIZE.search(desc)
    fps = _FPS.search(desc)
    second = parts[1] if len(parts) > 1 else ""
    return {
        "video_codec": parts[0].split()[0],
        "pix_fmt": None if _SIZE.search(second) else second.split("(")[0].strip() or None,
        "width": int(size.group(1)) if size else None,
        "height": int(size.group(2)) if size else None,
        "fps": float(fps.group(1)) * (1000 if fps.group(2) else 1) if fps else None,
    }


def _audio_fields(desc: str) -> dict:
    """`aac (LC) (mp4a / ...), 48000 Hz, stereo, fltp, 160 kb/s`."""
    parts = _top_level_parts(desc)
    rate = re.search(r"(\d+) Hz", desc)
    return {
        "audio_codec": parts[0].split()[0],
        "sample_rate": int(rate.group(1)) if rate else None,
        "channels": _channel_count(parts[2] if len(parts) > 2 else ""),
    }


def _channel_count(layout: str) -> int | None:
    counted = re.match(r"(\d+) channels", layout)
    if counted:
        return int(counted.group(1))
    return _CHANNELS.get(layout.split("(")[0].strip())


def _top_level_parts(desc: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts, depth, current = [], 0, []
    for char in desc:
        depth += char in "(["
        depth -= char in ")]"
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts
