"""The offline footage: `ProceduralFootage` makes real clips with no account and no download,
animated backgrounds and text cards drawn by ffmpeg (`media.backgrounds`).

Everything is deterministic: the seed comes from sha256 of (item id, scene index), and the
generator from an item-specific order, so the same scene of the same item always gets the
same generator, colours and motion, and consecutive scenes of one item never share a generator.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
from pathlib import Path
from typing import ClassVar

import dagster as dg

from shorts_assets.languages import language
from shorts_assets.media.backgrounds import GENERATORS, text_card
from shorts_assets.media.clips import ClipEncoding, encode_clip
from shorts_assets.providers.footage import ClipMade, ClipRequest, card_text, scene_seed


def item_seed(item_id: str) -> int:
    digest = hashlib.sha256(f"{item_id}\x00generators".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def generator_for(item_id: str, index: int) -> str:
    """Which generator scene `index` of `item_id` uses: an item-specific order, cycled,
    so consecutive scenes never share one."""
    order = sorted(GENERATORS)
    random.Random(item_seed(item_id)).shuffle(order)
    return order[index % len(order)]


class ProceduralFootage(dg.ConfigurableResource):
    """Offline footage: procedural animated backgrounds and text cards, made by ffmpeg."""

    name: ClassVar[str] = "procedural"

    preset: str = "ultrafast"
    crf: int = 26

    @property
    def encoding(self) -> ClipEncoding:
        return ClipEncoding(self.preset, self.crf)

    def make_clip(self, request: ClipRequest) -> ClipMade:
        scene, index, item_id, seconds = request.scene, request.index, request.item_id, request.seconds
        fmt = request.fmt
        if not seconds > 0:
            raise ValueError(f"clip length must be positive, got {seconds}")
        out = Path(request.out_path).absolute()
        out.parent.mkdir(parents=True, exist_ok=True)
        seed = scene_seed(item_id, index)
        rng = random.Random(seed)
        text = card_text(scene.visual)
        if text is not None:
            with tempfile.TemporaryDirectory(dir=out.parent, prefix=".card-") as tmp:
                stream, params = text_card(
                    text or " ", language(request.language), rng, seed, fmt.width, fmt.height, fmt.fps, seconds,
                    Path(tmp) / "card.ass",
                )
                encode_clip(stream, seconds, out, f"make the text card for scene {index}", fmt, self.encoding)
            return ClipMade(source=f"procedural:card seed={seed} {params}")
        kind = generator_for(item_id, index)
        stream, params = GENERATORS[kind](rng, seed, fmt.width, fmt.height, fmt.fps, seconds)
        encode_clip(stream, seconds, out, f"make the {kind} clip for scene {index}", fmt, self.encoding)
        return ClipMade(source=f"procedural:{kind} seed={seed} {params}")
