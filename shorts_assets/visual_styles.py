"""Looks for the offline writer: a small table of visual styles, one chosen by the topic.

A writer service picks a style for each script; offline, the topic's hash picks one of
these, so a topic always gets the same look and different topics spread over the table.
"""

from __future__ import annotations

import hashlib

from .models import VisualStyle

STYLES = (
    VisualStyle(medium="35mm film photography", era="1970s", palette=["#1b3a4b", "#f2c14e", "#e4572e", "#f5e6cc"]),
    VisualStyle(medium="natural-light documentary photography", era="present-day",
                palette=["#2d4a22", "#8fb339", "#e9edc9", "#5e503f"]),
    VisualStyle(medium="Kodachrome slide photography", era="1960s",
                palette=["#c1121f", "#fdf0d5", "#003049", "#669bbc"]),
    VisualStyle(medium="neon-lit night photography", era="1980s",
                palette=["#240046", "#7b2cbf", "#ff006e", "#00f5d4"]),
    VisualStyle(medium="soft pastel studio photography", era="1990s",
                palette=["#ffcdb2", "#ffb4a2", "#e5989b", "#6d6875"]),
    VisualStyle(medium="high-contrast black-and-white photography", era="1950s",
                palette=["#111111", "#555555", "#aaaaaa", "#eeeeee"]),
)


def style_for(topic: str) -> VisualStyle:
    """The table's style for a topic: sha256 of its folded words, so case and spacing do not matter."""
    key = " ".join(topic.casefold().split())
    return STYLES[int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % len(STYLES)]
