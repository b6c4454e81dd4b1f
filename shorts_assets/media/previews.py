"""Small pictures of a video for people to judge it where they are: the web UI's metadata.

The UI draws markdown images, and a `data:` image is the one kind it can draw whatever the
store is (a browser on the UI's page cannot open a local file, and a presigned S3 link dies).
So the pictures are made small enough to travel inside the metadata: a few kilobytes each.
"""

from __future__ import annotations

import base64
from pathlib import Path

import ffmpeg

from .ffmpeg import run

THUMB_HEIGHT = 320  # pixels: the thumbnail as the review page shows it (about 12 kB)
STRIP_HEIGHT = 160  # pixels: each frame of the strip
STRIP_FRAMES = 6  # frames across the video, evenly spaced
QUALITY = 6  # ffmpeg's JPEG scale, 2 (best) to 31: small files that still show what is there


def shrink(image: Path, out: Path, height: int = THUMB_HEIGHT) -> Path:
    """`image` scaled down to `height` pixels (its aspect kept) as a small JPEG."""
    picture = ffmpeg.input(str(image)).filter("scale", -2, height)
    run(ffmpeg.output(picture, str(out), update=1, **{"frames:v": 1, "q:v": QUALITY}), f"shrink {Path(image).name}")
    return out


def frame_strip(video: Path, duration_s: float, out: Path, frames: int = STRIP_FRAMES,
                height: int = STRIP_HEIGHT) -> Path:
    """`frames` frames from across the video (the middle of each of `frames` equal parts) side by side
    as one JPEG: the whole video at a glance, without playing it."""
    step = max(duration_s, 0.1) / frames
    # the first frame past the middle of the first part, then the first a whole part after the last taken
    every = f"gte(t,{step / 2:.3f})*(isnan(prev_selected_t)+gte(t-prev_selected_t,{step:.3f}))"
    picture = (ffmpeg.input(str(video))
               .filter("select", every)
               .filter("scale", -2, height)
               .filter("tile", f"{frames}x1", padding=4, color="black"))
    run(ffmpeg.output(picture, str(out), update=1, **{"frames:v": 1, "q:v": QUALITY}), f"frame strip of {video.name}")
    return out


def data_uri(path: Path, mime: str = "image/jpeg") -> str:
    """The file as a `data:` URI, for a markdown image."""
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode()}"
