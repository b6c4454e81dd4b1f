"""The platforms `published_post` publishes to, in the order SHORTS_PLATFORMS gives."""

from __future__ import annotations

from typing import ClassVar

from .instagram import InstagramReels
from .platforms import Platform, SandboxChannel
from .selection import Selection
from .tiktok import TikTokChannel
from .youtube import YouTubeChannel


class Platforms(Selection):
    """Only the platforms `order` names are set; each is a resource of its own kind."""

    SETTING: ClassVar[str] = "SHORTS_PLATFORMS"
    KIND: ClassVar[str] = "platform"
    FIELDS: ClassVar[dict[str, str]] = {
        "sandbox": "sandbox", "youtube": "youtube", "tiktok": "tiktok", "instagram": "instagram",
    }

    sandbox: SandboxChannel | None = None
    youtube: YouTubeChannel | None = None
    tiktok: TikTokChannel | None = None
    instagram: InstagramReels | None = None

    def enabled(self) -> list[Platform]:
        return [platform for _, platform in self.selected()]

    def get(self, name: str) -> Platform:
        if name not in self.order:
            raise KeyError(f"platform {name!r} is not enabled (SHORTS_PLATFORMS)")
        return getattr(self, self.FIELDS[name])
