"""Scene clips: the intermediate videos the renderer cuts together.

Every footage provider writes its clips through here, so they are all the same kind of file
(H.264 yuv420p, no audio, the output format's size and frame rate, the length asked), whether
drawn by ffmpeg, downloaded, or made from a still picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from shorts_assets.media.ffmpeg import run
from shorts_assets.media.format import OutputFormat

ZOOM = 0.12  # how far a still's camera moves: 12 % of the frame over the clip
# (zoom, x, y) zoompan expressions of the progress {p} (0 -> 1); x, y are the crop's top-left corner.
_CENTRE_X, _CENTRE_Y = "(iw-iw/zoom)/2", "(ih-ih/zoom)/2"
MOTIONS = {
    "zoom-in": (f"1+{ZOOM}*{{p}}", _CENTRE_X, _CENTRE_Y),
    "zoom-out": (f"1+{ZOOM}*(1-{{p}})", _CENTRE_X, _CENTRE_Y),
    "pan-right": (f"1+{ZOOM}", "(iw-iw/zoom)*{p}", _CENTRE_Y),
    "pan-left": (f"1+{ZOOM}", "(iw-iw/zoom)*(1-{p})", _CENTRE_Y),
    "pan-down": (f"1+{ZOOM}", _CENTRE_X, "(ih-ih/zoom)*{p}"),
    "pan-up": (f"1+{ZOOM}", _CENTRE_X, "(ih-ih/zoom)*(1-{p})"),
}


@dataclass(frozen=True)
class ClipEncoding:
    """An intermediate, so encoded fast: the renderer encodes the final video."""

    preset: str = "ultrafast"
    crf: int = 23


def encode_clip(stream, seconds: float, out: Path, what: str, fmt: OutputFormat,
                encoding: ClipEncoding = ClipEncoding()) -> None:
    """Write a video stream as a silent clip of exactly `seconds`."""
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    output = ffmpeg.output(
        stream.filter("setsar", 1).filter("format", "yuv420p"), str(out), t=f"{seconds:.3f}", r=fmt.fps,
        vcodec="libx264", preset=encoding.preset, crf=encoding.crf, pix_fmt="yuv420p", movflags="+faststart",
        an=None, **{"x264-params": "log-level=error"},
    )
    run(output, what)


def cover(stream, width: int, height: int):
    """Scale to cover the frame, keeping the aspect ratio, and keep the centre."""
    return stream.filter("scale", width, height, force_original_aspect_ratio="increase").filter("crop", width, height)


def conform_video(src: Path, seconds: float, out: Path, fmt: OutputFormat) -> None:
    """Any video to a clip of `seconds`: cover-scaled, centre-cropped, looped if short, silent."""
    stream = ffmpeg.input(str(Path(src).absolute()), stream_loop=-1).video
    encode_clip(cover(stream, fmt.width, fmt.height).filter("fps", fmt.fps), seconds, out,
                f"conform {Path(src).name}", fmt)


def animate_image(src: Path, seconds: float, out: Path, fmt: OutputFormat, motion: str = "zoom-in",
                  encoding: ClipEncoding = ClipEncoding()) -> None:
    """A still to a clip of `seconds` whose camera slowly zooms or pans, so it is never static.

    The still is covered at twice the output size first: zoompan moves its crop in whole
    input pixels, and finer pixels make the motion smooth instead of jittery.
    """
    if motion not in MOTIONS:
        raise ValueError(f"unknown motion {motion!r}; known: {', '.join(MOTIONS)}")
    frames = max(round(seconds * fmt.fps), 1)
    zoom, x, y = (e.format(p=f"on/{max(frames - 1, 1)}") for e in MOTIONS[motion])
    stream = cover(ffmpeg.input(str(Path(src).absolute())).video, 2 * fmt.width, 2 * fmt.height).filter(
        "zoompan", z=zoom, x=x, y=y, d=frames, s=fmt.size, fps=fmt.fps
    )
    encode_clip(stream, seconds, out, f"animate {Path(src).name}", fmt, encoding)
