"""Where burned-in text lands on the frame, measured by drawing it with libass, the renderer itself.

Computing a caption's extent from font metrics would have to redo what libass does: shaping,
right-to-left ordering, per-run faces and scales, a pop's transform, a box's padding, outlines
and shadows. Drawing each Dialogue event alone on a flat grey frame and taking the bounding box
of the pixels that changed measures what a viewer sees, for every preset and script alike.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shorts_assets.media import ass
from shorts_assets.media.ffmpeg import MediaError, ffmpeg_exe
from shorts_assets.media.fonts import fonts_dir
from shorts_assets.media.safe_areas import PLATFORM_AREAS

BACKGROUND = (128, 128, 128)  # grey: no caption colour is exactly it
GREY = "0x" + "".join(f"{channel:02X}" for channel in BACKGROUND)
MEASURE_HEIGHT = 640  # pixels the events are drawn at (a third of 1920: boxes to about 3 px)
SETTLE_S = 0.5  # how long each event has been shown when measured: past a pop's growth


@dataclass(frozen=True)
class TextBox:
    """One Dialogue event's drawn extent, (left, top, right, bottom) in pixels of the document's frame."""

    start: float
    text: str
    box: tuple[float, float, float, float] | None  # None: it draws nothing


def frame_size(document: str) -> tuple[int, int]:
    width, height = (int(ass.script_info(document, key)) for key in ("PlayResX", "PlayResY"))
    return width, height


def draw(document: str, times: list[float], size: tuple[int, int], background: str = GREY) -> np.ndarray:
    """The document drawn by libass over a flat `background` at each of a few `times` (seconds, to
    the centisecond, as ASS times are), as RGB frames of `size` (frames x height x width x 3)."""
    frames = [round(t * 100) for t in times]
    wanted = sorted(set(frames))
    picked = "+".join(f"eq(n\\,{frame})" for frame in wanted)
    drawn = _drawn(document, size, background, rate=100, count=wanted[-1] + 1, after=f",select={picked}")
    return drawn[[wanted.index(frame) for frame in frames]]


def _drawn(document: str, size: tuple[int, int], background: str, rate: int, count: int, before: str = "",
           after: str = "") -> np.ndarray:
    """`count` frames at `rate` of the document drawn over `background`; `before` and `after` are
    filters around the drawing (a time shift, a selection)."""
    width, height = size
    with tempfile.TemporaryDirectory(prefix="text-") as tmp:
        path = Path(tmp) / "text.ass"
        path.write_text(document, encoding="utf-8")
        fonts = fonts_dir([document], Path(tmp) / "fonts")
        graph = (f"color=c={background}:s={width}x{height}:r={rate}:d={count / rate:.2f},format=rgb24{before},"
                 f"ass=filename={_quoted(path)}:fontsdir={_quoted(fonts)}{after}")
        args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", graph,
                "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
        proc = subprocess.run(args, capture_output=True)
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg failed to draw the text: {proc.stderr.decode(errors='replace')[-800:]}")
    return np.frombuffer(proc.stdout, np.uint8).reshape(-1, height, width, 3)


def event_boxes(document: str) -> list[TextBox]:
    """Each Dialogue event's extent, drawn alone SETTLE_S after it starts, scaled to the document's frame."""
    events = ass.parse_dialogue_times(document)
    if not events:
        return []
    width, height = frame_size(document)
    factor = max(1, height // MEASURE_HEIGHT)
    size = (max(2, width // factor), max(2, height // factor))
    # Event i is moved to second i to i + 1 and drawn on frame i, shifted SETTLE_S into it.
    alone = ass.retimed(document, [(index, index + 1) for index in range(len(events))])
    frames = _drawn(alone, size, GREY, rate=1, count=len(events),
                    before=f",settb=1/100,setpts=PTS+{SETTLE_S}/TB")
    changed = np.any(frames != np.array(BACKGROUND, np.uint8), axis=3)
    scale_x, scale_y = width / size[0], height / size[1]
    boxes = []
    for (start, _, text), mask in zip(events, changed, strict=True):
        rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        box = None if not rows.size else (
            columns[0] * scale_x, rows[0] * scale_y, (columns[-1] + 1) * scale_x, (rows[-1] + 1) * scale_y)
        boxes.append(TextBox(start, ass.plain(text), box))
    return boxes


def _quoted(path: Path) -> str:
    """A path of our own temporary folder as one value of a filter option."""
    return f"'{path}'"


def under_buttons(document: str, platforms: list[str] | tuple[str, ...]) -> list[str]:
    """For each of `platforms` whose app would cover some of the document's captions: which
    captions, and where they reach into what it covers (the worst one named); [] when none."""
    boxes = [found for found in event_boxes(document) if found.box]
    width, height = frame_size(document)
    problems = []
    for name in platforms:
        where = PLATFORM_AREAS[name]
        hits = [(found, where.area.intrusions(found.box, width, height)) for found in boxes]
        hits = [(found, reach) for found, reach in hits if reach]
        if hits:
            worst, reach = max(hits, key=lambda hit: max(depth for depth, _ in hit[1]))
            reaches = " and ".join(f"{round(depth)} px into {edge}" for depth, edge in reach)
            problems.append(
                f"{len(hits)} of {len(boxes)} captions would sit under the buttons of {where.label}: "
                f"{worst.text!r} at {ass.time(worst.start)} reaches {reaches} of the frame "
                "(raise margin_v, or leave it empty to keep above every enabled platform's)")
    return problems
