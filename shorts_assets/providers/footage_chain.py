"""The footage `clips` uses: the sources SHORTS_FOOTAGE names, tried in order.

`NoFootage` moves on to the next; a `PermanentError` or `TransientError` stops the chain,
because a bad key or a bad row link should be fixed, not papered over by the next provider.
Like `channels` for the platforms, this module assembles implementations and is none itself.
"""

from __future__ import annotations

from typing import ClassVar

import dagster as dg
from pydantic import model_validator

from shorts_assets.providers import PermanentError
from shorts_assets.providers.footage import ClipMade, ClipRequest, NoFootage
from shorts_assets.providers.openai_footage import OpenAIImageFootage
from shorts_assets.providers.procedural_footage import ProceduralFootage
from shorts_assets.providers.stock_footage import PexelsFootage, RowMediaFootage


class FootageChain(dg.ConfigurableResource):
    """Tries the providers named in `order` (SHORTS_FOOTAGE) in turn; NoFootage moves on.

    Only the providers `order` names need to be set. End the order with "procedural" so
    every scene gets a picture; otherwise a scene nobody has footage for is a PermanentError
    that lists what each provider said.
    """

    FIELDS: ClassVar[dict[str, str]] = {
        "procedural": "procedural", "row-media": "row_media", "pexels": "pexels", "openai-images": "openai_images",
    }

    order: list[str]
    procedural: ProceduralFootage | None = None
    row_media: RowMediaFootage | None = None
    pexels: PexelsFootage | None = None
    openai_images: OpenAIImageFootage | None = None

    @model_validator(mode="after")
    def _every_named_provider_is_set(self):
        for name in self.order:
            if name not in self.FIELDS:
                raise ValueError(f"SHORTS_FOOTAGE names {name!r}; choose from: {', '.join(self.FIELDS)}")
            if getattr(self, self.FIELDS[name]) is None:
                raise ValueError(f"SHORTS_FOOTAGE names {name!r} but the chain has no {self.FIELDS[name]} provider")
        if not self.order:
            raise ValueError("SHORTS_FOOTAGE names no footage provider")
        return self

    @property
    def name(self) -> str:
        return ",".join(self.order)

    def make_clip(self, request: ClipRequest) -> ClipMade:
        tried = []
        for name in self.order:
            try:
                return getattr(self, self.FIELDS[name]).make_clip(request)
            except NoFootage as nothing:
                tried.append(f"{name}: {nothing}")
        raise PermanentError(
            f"no footage for scene {request.index} ({request.scene.visual!r}); tried {'; '.join(tried)}. "
            "Give the row its own media, or end SHORTS_FOOTAGE with procedural"
        )
