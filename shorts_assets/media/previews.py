"""Small pictures of a video for people to judge it where they are: the web UI's metadata.

The UI draws markdown images, and a `data:` image is the one kind it can draw whatever the
store is (a browser on the UI's page cannot open a local file, and a presigned S3 link dies).
So the pictures are made small enough to travel inside the metadata: a few kilobytes each.
"""

from __future__ import annotations

import base64
from pathlib import Path

THUMB_HEIGHT = 320  # pixels: the thumbnail as the review page shows it (about 12 kB)
STRIP_HEIGHT = 160  # pixels: each frame of the strip
STRIP_FRAMES = 6  # frames across the video, evenly spaced
QUALITY = 6  # ffmpeg's JPEG scale, 2 (best) to 31: small files that still show what is there


def shrunk(stream, height: int = THUMB_HEIGHT):
    """The stream scaled down to `height` pixels, its aspect kept: the thumbnail as a review page shows it."""
    return stream.filter("scale", -2, height)


def frame_strip(stream, total_frames: int, frames: int = STRIP_FRAMES, height: int = STRIP_HEIGHT):
    """`frames` frames from across a video stream of `total_frames` (the middle of each of `frames` equal
    parts) side by side: the whole video at a glance. A branch of the render's own graph, so the
    frames cost no second decode (decoding a finished 30 s short again took 4 s of CPU)."""
    wanted = sorted({min(int((part + 0.5) * total_frames / frames), total_frames - 1) for part in range(frames)})
    return (shrunk(stream.filter("select", "+".join(f"eq(n,{n})" for n in wanted)), height)
            .filter("tile", f"{len(wanted)}x1", padding=4, color="black"))


def data_uri(path: Path, mime: str = "image/jpeg") -> str:
    """The file as a `data:` URI, for a markdown image."""
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode()}"
