"""The offline footage: `ProceduralFootage` picks each scene's animated background or text card,
drawn by ffmpeg (`media.backgrounds`) with no account and no download. It stores the recipe
(generator and seed, or the card's text); the render draws the picture from it.

Everything is deterministic: the seed comes from sha256 of (item id, scene index), and the
generator from an item-specific order, so the same scene of the same item always gets the
same generator, colours and motion, and consecutive scenes of one item never share a generator.
"""

from __future__ import annotations

import hashlib
import random
from typing import ClassVar

import dagster as dg

from shorts_assets.media.backgrounds import GENERATORS
from shorts_assets.models import CardSource, ProceduralSource
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
    """Offline footage: procedural animated backgrounds and text cards, drawn by ffmpeg in the render."""

    name: ClassVar[str] = "procedural"

    def make_clip(self, request: ClipRequest) -> ClipMade:
        seed = scene_seed(request.item_id, request.index)
        text = card_text(request.scene.visual)
        if text is not None:
            return ClipMade(picture=CardSource(text=text, language=request.language, seed=seed),
                            source=f"procedural:card seed={seed}")
        kind = generator_for(request.item_id, request.index)
        return ClipMade(picture=ProceduralSource(generator=kind, seed=seed), source=f"procedural:{kind} seed={seed}")
