"""The one way this project runs ffmpeg: the binary the imageio-ffmpeg wheel ships.

`pip install` is the whole setup, so no system ffmpeg is ever looked for.
"""

from __future__ import annotations

import subprocess
from functools import cache

import ffmpeg
import imageio_ffmpeg


class MediaError(RuntimeError):
    """ffmpeg refused or failed; the message carries the end of its log."""


@cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run(stream, what: str) -> str:
    """Run an ffmpeg-python graph with our binary; return ffmpeg's log (stderr).

    `what` names the job in the error so a failed render says which one failed.
    """
    args = ffmpeg.compile(stream, cmd=ffmpeg_exe(), overwrite_output=True)
    args[1:1] = ["-hide_banner", "-nostdin"]
    return run_args(args, what)


def still(stream, out, quality: int):
    """An output writing the stream's first frame as a JPEG; `quality` is ffmpeg's scale, 2 (best) to 31."""
    return ffmpeg.output(stream, str(out), update=1, **{"frames:v": 1, "q:v": quality})


def run_args(args: list[str], what: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-12:])
        raise MediaError(f"ffmpeg failed to {what} (exit {proc.returncode}):\n{tail}")
    return proc.stderr
