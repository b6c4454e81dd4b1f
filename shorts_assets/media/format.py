"""The format every short is delivered in, defined once.

The clips, the renderer, the captions, the thumbnail and the blocking check all take one
`OutputFormat`, so they always agree, and the tests can run the very same graph small.
"""

from __future__ import annotations

from dataclasses import dataclass

from shorts_assets.media.safe_areas import UNCOVERED, SafeArea

SIDE_PX = (64, 4096)  # sane bounds for either side; H.264 also needs them even
FPS = (10, 60)


@dataclass(frozen=True)
class OutputFormat:
    """Picture size, frame rate and audio rate; the defaults are what the platforms want (9:16 HD).
    `safe_area` is what the platforms published to leave uncovered: captions and cards stay in it."""

    width: int = 1080
    height: int = 1920
    fps: int = 30
    sample_rate: int = 48_000
    safe_area: SafeArea = UNCOVERED

    def __post_init__(self):
        low, high = SIDE_PX
        if not (low <= self.width <= high and low <= self.height <= high) or self.width % 2 or self.height % 2:
            raise ValueError(f"the size {self.size} needs even sides of {low} to {high} pixels (H.264)")
        if not FPS[0] <= self.fps <= FPS[1]:
            raise ValueError(f"{self.fps} fps is outside {FPS[0]} to {FPS[1]}")

    @property
    def size(self) -> str:
        """`WIDTHxHEIGHT`, as ffmpeg and the configuration write it."""
        return f"{self.width}x{self.height}"


PRODUCTION = OutputFormat()  # the default wherever a format may be left out
