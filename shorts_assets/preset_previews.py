"""A small PNG of each caption preset, as the renderer draws it, for the README or a designer.

    python -m shorts_assets.preset_previews [folder] [language]

writes `<folder>/<preset>.png` (docs/presets by default): one caption line drawn by libass with
the bundled fonts, taken partway through its second word, so each preset's effect shows (the
fill halfway, the word popped, the box), on a flat background, cut to the caption's band.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from shorts_assets.languages import language
from shorts_assets.media.caption_presets import PRESETS
from shorts_assets.media.captions import CaptionStyle, build_ass
from shorts_assets.media.format import OutputFormat
from shorts_assets.media.text_boxes import draw, event_boxes
from shorts_assets.models import WordTiming

FRAME = OutputFormat(540, 960)
BACKGROUND = "0x2E4A6B"  # a dark blue, as behind most footage the captions sit on
SAMPLES = {"en": "Bees dance to tell", "ar": "النحل يرقص ليخبر", "hi": "मधुमक्खियाँ नाचकर बताती"}
SPOKEN = (0.5, 1.0)  # the second word; the picture is taken 60 % through it
BAND = 40  # pixels kept above and below the caption


def preview(name: str, code: str = "en") -> Image.Image:
    """The caption line in preset `name`, in `code`'s sample, as a picture of its band of the frame."""
    first, second, *rest = SAMPLES[code].split()
    words = [WordTiming(word=first, start=0.0, end=0.45, scene=0),
             WordTiming(word=second, start=SPOKEN[0], end=SPOKEN[1], scene=0),
             *(WordTiming(word=word, start=1.0 + i * 0.5, end=1.45 + i * 0.5, scene=0) for i, word in enumerate(rest))]
    document = build_ass(words, FRAME, CaptionStyle(preset=name), language=language(code))
    [frame] = draw(document, [SPOKEN[0] + 0.6 * (SPOKEN[1] - SPOKEN[0])], (FRAME.width, FRAME.height), BACKGROUND)
    tops, bottoms = zip(*((found.box[1], found.box[3]) for found in event_boxes(document) if found.box), strict=True)
    top, bottom = max(0, round(min(tops)) - BAND), min(FRAME.height, round(max(bottoms)) + BAND)
    return Image.fromarray(np.ascontiguousarray(frame[top:bottom]))


def main(argv: list[str]) -> None:
    folder = Path(argv[0] if argv else "docs/presets")
    code = argv[1] if len(argv) > 1 else "en"
    folder.mkdir(parents=True, exist_ok=True)
    for name in PRESETS:
        path = folder / (f"{name}.png" if code == "en" else f"{name}-{code}.png")
        preview(name, code).save(path, optimize=True)
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(sys.argv[1:])
