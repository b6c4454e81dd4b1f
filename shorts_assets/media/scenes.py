"""Scene pictures: each scene's source, fitted to the frame, as an ffmpeg-python stream.

`clips` decides what a scene shows and stores it as a scene source (`models.SceneSource`: a
video, a still, a procedural recipe or a text card); the render builds every scene's picture
from its source inside its one ffmpeg pass, so each pixel is encoded once. `clips` also writes
a small JPEG preview of each scene through here, drawn the same way: that decodes the source,
so a corrupt one is refused before the render.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from pathlib import Path

import ffmpeg

from shorts_assets.languages import language
from shorts_assets.media.backgrounds import GENERATORS, text_card
from shorts_assets.media.ffmpeg import run, still
from shorts_assets.media.format import FPS, OutputFormat
from shorts_assets.models import CardSource, ProceduralSource, SceneSource, StillSource, VideoSource

ZOOM = 0.12  # how far a still's camera moves: 12 % of the frame over the scene
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
PREVIEW_HEIGHT = 240  # pixels: enough to see what a scene is, a few kilobytes to store
PREVIEW_AT_S = 0.5  # half a second in (halfway in a shorter scene): past a card's fade-in
PREVIEW_FPS = FPS[0]  # the frames before the preview's are drawn too: as few as the format allows


def cover(stream, width: int, height: int):
    """Scale to cover the frame, keeping the aspect ratio, and keep the centre."""
    return stream.filter("scale", width, height, force_original_aspect_ratio="increase").filter("crop", width, height)


def scene_picture(source: SceneSource, frames: int, fmt: OutputFormat, folder: Path, reuse: int = 0):
    """The scene's `frames` frames in `fmt` from time 0, drawn from its source.

    `folder` takes what a text card needs on disk (its ASS document and fonts). `reuse` counts
    the earlier scenes of the same graph with the same file (see `_distinct_path`).
    """
    if isinstance(source, VideoSource):
        path = _distinct_path(source.media.local(), reuse)
        video = ffmpeg.input(path, stream_loop=-1).video.filter("fps", fmt.fps)
        return cover(_cut(video, frames), fmt.width, fmt.height).filter("setsar", 1)
    return _cut(_drawn(source, frames, fmt, folder, reuse), frames).filter("setsar", 1)


def _drawn(source: SceneSource, frames: int, fmt: OutputFormat, folder: Path, reuse: int):
    """A still moved by its motion, or a procedural picture, already at the frame's size."""
    width, height, fps, seconds = fmt.width, fmt.height, fmt.fps, frames / fmt.fps
    if isinstance(source, StillSource):
        return _moving_still(source, frames, fmt, reuse)
    if isinstance(source, ProceduralSource):
        if source.generator not in GENERATORS:
            raise ValueError(f"unknown generator {source.generator!r}; known: {', '.join(GENERATORS)}")
        draw = GENERATORS[source.generator]
        return draw(random.Random(source.seed), source.seed, width, height, fps, seconds)[0]
    if isinstance(source, CardSource):
        assfile = Path(folder).absolute() / f"card-{source.seed}.ass"
        return text_card(source.text or " ", language(source.language), random.Random(source.seed), source.seed,
                         width, height, fps, seconds, assfile, fmt.safe_area)[0]
    raise TypeError(f"not a scene source: {source!r}")


def _moving_still(source: StillSource, frames: int, fmt: OutputFormat, reuse: int):
    """A still whose camera slowly zooms or pans over `frames`, so it is never static.

    The still is covered at twice the output size first: zoompan moves its crop in whole
    input pixels, and finer pixels make the motion smooth instead of jittery.
    """
    if source.motion not in MOTIONS:
        raise ValueError(f"unknown motion {source.motion!r}; known: {', '.join(MOTIONS)}")
    zoom, x, y = (e.format(p=f"on/{max(frames - 1, 1)}") for e in MOTIONS[source.motion])
    still = cover(ffmpeg.input(_distinct_path(source.media.local(), reuse)).video, 2 * fmt.width, 2 * fmt.height)
    return still.filter("zoompan", z=zoom, x=x, y=y, d=frames, s=fmt.size, fps=fmt.fps)


def _cut(stream, frames: int):
    return stream.filter("trim", end_frame=frames).filter("setpts", "PTS-STARTPTS")


def _distinct_path(path: Path, reuse: int) -> str:
    """An absolute file path, spelled differently (`dir/./name`) each time it is reused.

    ffmpeg-python merges equal inputs into one node, and one input cannot feed two scenes
    without a split that would hold a whole scene of frames in memory; so a file shown in two
    scenes is simply opened twice.
    """
    path = Path(path).absolute()
    return str(path.parent) + "/" + "./" * reuse + path.name


def write_preview(source: SceneSource, seconds: float, fmt: OutputFormat, out: Path) -> None:
    """A small JPEG of the scene as the render draws it (in `fmt`'s size, at the lowest frame
    rate: the pictures move by time, not by frame), half a second into a scene of `seconds`.

    Raises MediaError when ffmpeg cannot decode the source.
    """
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    fmt = replace(fmt, fps=PREVIEW_FPS)
    frames = max(round(seconds * fmt.fps), 1)
    at = min(round(PREVIEW_AT_S * fmt.fps), frames // 2)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".preview-") as tmp:
        picture = scene_picture(source, frames, fmt, Path(tmp))
        frame = picture.filter("trim", start_frame=at, end_frame=at + 1).filter("scale", -2, PREVIEW_HEIGHT)
        run(still(frame, out, 4), f"preview {out.name}")


CONTACT_COLUMNS = 8  # previews a row of the contact sheet at most: a usual short's scenes in one strip


def contact_columns(scenes: int) -> int:
    """Previews a row: as few rows as CONTACT_COLUMNS allows, their lengths as even as can be."""
    return -(-scenes // -(-scenes // CONTACT_COLUMNS))


def write_contact_sheet(previews: list[Path], out: Path) -> None:
    """Every scene's preview in scene order, left to right in rows, as one JPEG: what a reviewer
    looks at to judge the footage before approving (previews share one size)."""
    if not previews:
        raise ValueError("a contact sheet needs at least one scene's preview")
    tiles = [ffmpeg.input(str(preview)) for preview in previews]
    if len(tiles) == 1:
        sheet = tiles[0]
    else:
        def offset(size: str, steps: int) -> str:
            return "+".join([size] * steps) or "0"

        columns = contact_columns(len(tiles))
        layout = "|".join(f"{offset('w0', n % columns)}_{offset('h0', n // columns)}" for n in range(len(tiles)))
        sheet = ffmpeg.filter(tiles, "xstack", inputs=len(tiles), layout=layout, fill="black")
    run(still(sheet, Path(out).absolute(), 4),
        f"contact sheet {Path(out).name}")
