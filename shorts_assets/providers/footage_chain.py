"""The footage `clips` uses: the sources SHORTS_FOOTAGE names, tried in order.

`NoFootage` moves on to the next; a `PermanentError` or `TransientError` stops the chain,
because a bad key or a bad row link should be fixed, not papered over by the next provider.
Like `channels` for the platforms, this module assembles implementations and is none itself.
"""

from __future__ import annotations

from typing import ClassVar

from shorts_assets.providers import PermanentError
from shorts_assets.providers.footage import ClipMade, ClipRequest, NoFootage
from shorts_assets.providers.openai_footage import OpenAIImageFootage
from shorts_assets.providers.procedural_footage import ProceduralFootage
from shorts_assets.providers.runway_footage import RunwayFootage
from shorts_assets.providers.selection import Selection
from shorts_assets.providers.stock_footage import PexelsFootage, RowMediaFootage


class FootageChain(Selection):
    """Tries the providers named in `order` (SHORTS_FOOTAGE) in turn; NoFootage moves on.

    Only the providers `order` names need to be set. End the order with "procedural" so
    every scene gets a picture; otherwise a scene nobody has footage for is a PermanentError
    that lists what each provider said.
    """

    SETTING: ClassVar[str] = "SHORTS_FOOTAGE"
    KIND: ClassVar[str] = "footage provider"
    FIELDS: ClassVar[dict[str, str]] = {
        "procedural": "procedural", "row-media": "row_media", "pexels": "pexels", "openai-images": "openai_images",
        "runway": "runway",
    }

    procedural: ProceduralFootage | None = None
    row_media: RowMediaFootage | None = None
    pexels: PexelsFootage | None = None
    openai_images: OpenAIImageFootage | None = None
    runway: RunwayFootage | None = None

    @property
    def name(self) -> str:
        return ",".join(self.order)

    def make_clip(self, request: ClipRequest) -> ClipMade:
        tried = []
        for name, footage in self.selected():
            try:
                return footage.make_clip(request)
            except NoFootage as nothing:
                tried.append(f"{name}: {nothing}")
        raise PermanentError(
            f"no footage for scene {request.index} ({request.scene.visual!r}); tried {'; '.join(tried)}. "
            "Give the row its own media, or end SHORTS_FOOTAGE with procedural"
        )
