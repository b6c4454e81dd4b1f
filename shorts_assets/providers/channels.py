"""The platforms `published_post` publishes to, in the order SHORTS_PLATFORMS gives."""

from __future__ import annotations

from typing import ClassVar

from dagster import ConfigurableResource
from pydantic import model_validator

from .instagram import InstagramReels
from .platforms import Platform, SandboxChannel
from .tiktok import TikTokChannel
from .youtube import YouTubeChannel


class Platforms(ConfigurableResource):
    """Only the platforms `order` names are set; each is a resource of its own kind."""

    FIELDS: ClassVar[dict[str, str]] = {
        "sandbox": "sandbox", "youtube": "youtube", "tiktok": "tiktok", "instagram": "instagram",
    }

    order: list[str]
    sandbox: SandboxChannel | None = None
    youtube: YouTubeChannel | None = None
    tiktok: TikTokChannel | None = None
    instagram: InstagramReels | None = None

    @model_validator(mode="after")
    def _every_named_platform_is_set(self):
        if not self.order:
            raise ValueError("SHORTS_PLATFORMS names no platform")
        for name in self.order:
            if getattr(self, self.FIELDS.get(name, ""), None) is None:
                raise ValueError(f"SHORTS_PLATFORMS names {name!r} but no such platform is configured")
        return self

    def enabled(self) -> list[Platform]:
        return [getattr(self, self.FIELDS[name]) for name in self.order]

    def get(self, name: str) -> Platform:
        if name not in self.order:
            raise KeyError(f"platform {name!r} is not enabled (SHORTS_PLATFORMS)")
        return getattr(self, self.FIELDS[name])
