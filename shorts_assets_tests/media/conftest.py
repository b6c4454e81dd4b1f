"""Tiny media made on the fly with ffmpeg's lavfi sources; no media file is ever committed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shorts_assets.media.ffmpeg import ffmpeg_exe, run_args


def lavfi(path: Path, source: str, seconds: float, *options: str) -> Path:
    """Write `seconds` of a lavfi source graph to `path`."""
    run_args(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-f", "lavfi", "-i", source,
         "-t", str(seconds), *options, "-y", str(path)],
        f"make {path.name}",
    )
    return path


def frame_rgb(
    media: Path, at_s: float | None, out: Path, size: str = "270x480"
) -> tuple[int, int, bytes]:
    """The frame at `at_s` (None for an image), shrunk, as (width, height, RGB bytes)."""
    seek = [] if at_s is None else ["-ss", str(at_s)]
    run_args(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *seek, "-i", str(media),
         "-frames:v", "1", "-vf", f"scale={size.replace('x', ':')}", "-c:v", "ppm",
         "-f", "image2", "-update", "1", "-y", str(out)],
        f"grab a frame of {media.name}",
    )
    data = out.read_bytes()
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    width, height = int(header.group(1)), int(header.group(2))
    return width, height, data[header.end():]


def count_pixels(frame: tuple[int, int, bytes], rows: tuple[float, float], test) -> int:
    """Pixels in a band of rows (fractions of the height) for which test(r, g, b) holds."""
    width, height, rgb = frame
    band = rgb[int(rows[0] * height) * width * 3 : int(rows[1] * height) * width * 3]
    return sum(1 for i in range(0, len(band), 3) if test(band[i], band[i + 1], band[i + 2]))


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def narration_wav(media_dir) -> Path:
    """4 s of a swelling tone with clicks: peaks far above its loudness, as in espeak's speech.

    Brought to -14 LUFS by gain alone its peaks would clip, so the peak limiter has work to do.
    """
    swell = "0.1*sin(2*PI*300*t)*(0.6+0.4*sin(2*PI*3*t))"
    clicks = "0.6*lt(mod(t\\,0.25)\\,0.001)"
    return lavfi(media_dir / "narration.wav", f"aevalsrc={swell}+{clicks}:s=22050", 4)


@pytest.fixture(scope="session")
def pattern_clip(media_dir) -> Path:
    """Landscape and 1 s long: the renderer must crop it to portrait and loop it."""
    return lavfi(media_dir / "pattern.mp4", "testsrc2=s=200x120:r=25", 1, "-pix_fmt", "yuv420p")


@pytest.fixture(scope="session")
def blue_clip(media_dir) -> Path:
    """A flat colour, so anything else in a frame was drawn by the renderer."""
    return lavfi(
        media_dir / "blue.mp4", "color=c=0x203080:s=160x284:r=24", 1, "-pix_fmt", "yuv420p"
    )
