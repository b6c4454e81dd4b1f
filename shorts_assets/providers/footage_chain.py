"""The footage `clips` uses: the sources SHORTS_FOOTAGE names, tried in order.

`NoFootage` moves on to the next; a `PermanentError` or `TransientError` stops the chain,
because a bad key or a bad row link should be fixed, not papered over by the next provider.
With a relevance gate, a picture it refuses moves on too: to the provider's next candidate,
else the next provider. Like `channels` for the platforms, this module assembles
implementations and is none itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from shorts_assets.providers import PermanentError
from shorts_assets.providers.footage import ClipMade, ClipRequest, NoFootage, offered
from shorts_assets.providers.openai_footage import OpenAIImageFootage
from shorts_assets.providers.procedural_footage import ProceduralFootage
from shorts_assets.providers.relevance import NO_VISION_MODEL, Chosen, RelevanceGate, choose
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
    relevance: RelevanceGate | None = None  # None: every scene takes its first candidate
    relevance_skipped: str = Field(default=NO_VISION_MODEL, description="why there is no gate, for the metadata")

    @property
    def name(self) -> str:
        return ",".join(self.order)

    @property
    def gate(self) -> str:
        """What the relevance gate does, in words, for the metadata."""
        return self.relevance.summary() if self.relevance else self.relevance_skipped

    def make_clip(self, request: ClipRequest) -> ClipMade:
        """The scene's first candidate, unjudged."""
        with closing(self.candidates(request)) as offers:
            return next(offers)

    def choose(self, request: ClipRequest, look: Callable[[ClipMade, int], Path]) -> Chosen:
        """The candidate the relevance gate takes for the scene (`relevance.choose`)."""
        return choose(self.candidates(request), self.relevance, look, request, self.relevance_skipped)

    def candidates(self, request: ClipRequest) -> Iterator[ClipMade]:
        """Every provider's candidates for the scene, in order; a PermanentError when none has one."""
        tried, offers = [], 0
        for name, footage in self.selected():
            try:
                for made in offered(footage, request):
                    offers += 1
                    yield made
            except NoFootage as nothing:
                tried.append(f"{name}: {nothing}")
        if not offers:
            raise PermanentError(
                f"no footage for scene {request.index} ({request.scene.visual!r}); tried {'; '.join(tried)}. "
                "Give the row its own media, or end SHORTS_FOOTAGE with procedural"
            )
