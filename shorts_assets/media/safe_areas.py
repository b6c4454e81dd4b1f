"""Where a platform's app draws over the video: the part of the frame burned-in text must stay out of.

One table, so the captions, the text cards and the blocking check agree. Each platform's figures
are the fractions of a 9:16 frame its interface covers on a phone, as commonly published for
1080x1920 (the apps change; these are working margins, not promises):

- YouTube Shorts: the title, channel and subscribe button take the bottom ~25 % (480 px), the
  search and menu row the top ~7-10 %, the like / comment / share column ~130-160 px on the right
  (youraithumbnailgenerator.com "YouTube Shorts Safe Zones", shortsfire.com "Shorts Safe Zones").
- TikTok: caption, sound and username take the bottom 320-460 px, the For You tabs the top
  130-250 px, the action column the right 120-180 px, the avatar row ~60 px on the left
  (socaptions.com "TikTok safe zones 2026": 250 / 420 / 170 px; blitzcutai.com caption placement).
- Instagram Reels: Meta's Business Help Center asks for 14 % free at the top, 35 % at the bottom
  and 6 % on the sides; the like / comment / share column is ~120 px on the right.
- The sandbox channel draws nothing over the video: the broadcast title-safe area (the central
  90 %, EBU R 95) so text never touches an edge.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SafeArea:
    """The fractions of the frame covered at each edge: `top` and `bottom` of the height, `left`
    and `right` of the width. Text inside the rest is seen on every device."""

    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0

    def __and__(self, other: SafeArea) -> SafeArea:
        """What both leave free: the larger cover at each edge."""
        return SafeArea(max(self.top, other.top), max(self.bottom, other.bottom),
                        max(self.left, other.left), max(self.right, other.right))

    def pixels(self, width: int, height: int) -> tuple[float, float, float, float]:
        """The free rectangle (left, top, right, bottom) in pixels of a `width` x `height` frame."""
        return self.left * width, self.top * height, (1 - self.right) * width, (1 - self.bottom) * height

    def intrusions(self, box: tuple[float, float, float, float], width: int, height: int
                   ) -> list[tuple[float, str]]:
        """How far (pixels) a (left, top, right, bottom) pixel box reaches into which covered edge;
        [] when it is inside the free area."""
        left, top, right, bottom = self.pixels(width, height)
        found = [
            (box[3] - bottom, f"the bottom {self.bottom:.0%}"), (top - box[1], f"the top {self.top:.0%}"),
            (box[2] - right, f"the right {self.right:.0%}"), (left - box[0], f"the left {self.left:.0%}"),
        ]
        return [(depth, edge) for depth, edge in found if depth > 0.5]


@dataclass(frozen=True)
class PlatformArea:
    label: str
    area: SafeArea


# Keyed by the SHORTS_PLATFORMS names (providers/channels.py).
PLATFORM_AREAS = {
    "sandbox": PlatformArea("the sandbox channel", SafeArea(top=0.05, bottom=0.05, left=0.05, right=0.05)),
    "youtube": PlatformArea("YouTube Shorts", SafeArea(top=0.08, bottom=0.25, left=0.05, right=0.14)),
    "tiktok": PlatformArea("TikTok", SafeArea(top=0.13, bottom=0.22, left=0.06, right=0.16)),
    "instagram": PlatformArea("Instagram Reels", SafeArea(top=0.14, bottom=0.35, left=0.06, right=0.11)),
}
UNCOVERED = SafeArea()


def safe_area(platforms: tuple[str, ...] | list[str]) -> SafeArea:
    """The area none of `platforms` covers (the intersection of their free areas)."""
    area = UNCOVERED
    for name in platforms:
        area &= PLATFORM_AREAS[name].area
    return area
