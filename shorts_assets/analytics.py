"""The channel's numbers as one table: an item per row, its attributes, its metrics per window.

Items are compared at the same age (1 h, 24 h, 7 d after posting) because raw totals favour
whatever was posted first. Pure pandas: the `channel_analytics` asset only wraps these.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, tzinfo
from pathlib import Path

import pandas as pd

from .media.caption_presets import DEFAULT_PRESET
from .models import MetricsSnapshot, PostMetrics, PublishedPost, RenderedVideo
from .posting_time import POSTING_HOUR, POSTING_WEEKDAY, posting_time
from .strategy import ATTRIBUTES as STRATEGY_ATTRIBUTES
from .strategy import reward

WINDOWS = {"1h": 1, "24h": 24, "7d": 168}
ATTRIBUTES = ("category", "hook_style", "voice", "language", "length", "music", "footage", "writer", "posting_hour",
              "posting_weekday", "caption_style")
METRICS = ("views", "likes", "comments", "avg_view_duration_s", "retention")
CAPTION_STYLE = DEFAULT_PRESET  # what a video rendered before the caption presets showed
DTYPES = {POSTING_HOUR: "Int64"}  # a whole number, missing for an item not posted yet


def column(metric: str, window: str) -> str:
    """The table's name for a metric at a window, e.g. views_24h or retention_latest."""
    return f"{metric}_{window}"


COLUMNS = ("item_id", *ATTRIBUTES, "duration_s",
           *(column(metric, window) for window in (*WINDOWS, "latest") for metric in METRICS))


def snapshot_at(snapshots: list[MetricsSnapshot], hours: float) -> MetricsSnapshot | None:
    """The latest snapshot taken at or before `hours` after posting, once that window has closed.

    A window counts only when some snapshot was taken at or after it: a 0.5 h snapshot of a
    post that is only 0.5 h old is not its 1 h figure, it is an unfinished one.
    """
    if not any(s.hours_since_post >= hours for s in snapshots):
        return None
    before = [s for s in snapshots if s.hours_since_post <= hours]
    return max(before, key=lambda s: (s.hours_since_post, s.taken_at), default=None)


def by_post(snapshots: list[MetricsSnapshot]) -> list[list[MetricsSnapshot]]:
    """Snapshots grouped per platform post: windows are picked per post, then summed."""
    groups: dict[tuple[str, str], list[MetricsSnapshot]] = defaultdict(list)
    for snapshot in snapshots:
        groups[(snapshot.platform, snapshot.post_id)].append(snapshot)
    return list(groups.values())


def combined(picked: list[MetricsSnapshot | None], duration_s: float) -> dict[str, float]:
    """Counts summed over platforms; view duration weighted by views (an average, not a sum).

    NaN unless every post has a figure for the window, so a half-reported item never looks
    like a weak one.
    """
    if not picked or any(s is None for s in picked):
        return dict.fromkeys(METRICS, math.nan)
    views = sum(s.views for s in picked)
    weights = [s.views for s in picked] if views else [1] * len(picked)
    avg = sum(w * s.avg_view_duration_s for w, s in zip(weights, picked, strict=True)) / sum(weights)
    return {
        "views": float(views),
        "likes": float(sum(s.likes for s in picked)),
        "comments": float(sum(s.comments for s in picked)),
        "avg_view_duration_s": avg,
        "retention": avg / duration_s if duration_s > 0 else math.nan,
    }


def latest(snapshots: list[MetricsSnapshot]) -> MetricsSnapshot | None:
    """The newest figure of one post, whatever its age."""
    return max(snapshots, key=lambda s: (s.hours_since_post, s.taken_at), default=None)


def attributes_of(video: RenderedVideo, post: PublishedPost, zone: tzinfo) -> dict[str, object]:
    """What the item is made of, plus when it first went out on the channel's clock and how it was captioned."""
    first = min((p.published_at for p in post.posts), default=None)
    when = posting_time(first, zone) if first else {}
    return {
        **{name: video.attributes.get(name, "unknown") for name in ATTRIBUTES},
        POSTING_HOUR: int(when[POSTING_HOUR]) if when else pd.NA,
        POSTING_WEEKDAY: when.get(POSTING_WEEKDAY, pd.NA),
        "caption_style": video.attributes.get("caption_style", CAPTION_STYLE),
    }


def item_row(video: RenderedVideo, post: PublishedPost, metrics: PostMetrics, zone: tzinfo) -> dict[str, object]:
    posts = by_post(metrics.snapshots)
    row: dict[str, object] = {"item_id": video.item_id, **attributes_of(video, post, zone),
                              "duration_s": video.duration_s}
    for window, hours in WINDOWS.items():
        figures = combined([snapshot_at(snapshots, hours) for snapshots in posts], video.duration_s)
        row |= {column(metric, window): value for metric, value in figures.items()}
    figures = combined([latest(snapshots) for snapshots in posts], video.duration_s)
    return row | {column(metric, "latest"): value for metric, value in figures.items()}


def channel_table(items: list[tuple[RenderedVideo, PublishedPost, PostMetrics]],
                  zone: tzinfo = UTC) -> pd.DataFrame:
    """One row per item: attributes (posting hour and weekday in `zone`, the channel's), then
    views/likes/comments/duration/retention per window."""
    table = pd.DataFrame([item_row(*item, zone) for item in items], columns=list(COLUMNS))
    numeric = COLUMNS[len(ATTRIBUTES) + 1:]
    return table.astype(dict.fromkeys(numeric, "float64") | DTYPES)


def read_table(path: Path) -> pd.DataFrame:
    """The table's CSV read back as channel_table made it: an hour stays 17, not 17.0, beside a missing one."""
    return pd.read_csv(path, dtype=DTYPES)


def cell(value: object, fmt: str) -> str:
    """A markdown cell: missing figures show as a dash, pipes cannot break the table."""
    if pd.isna(value):
        return "–"
    return format(value, fmt).replace("|", "\\|")


def leaders_markdown(table: pd.DataFrame, top: int = 5) -> str:
    """The most viewed items so far, for the asset's metadata."""
    leaders = table.dropna(subset=["views_latest"]).sort_values(["views_latest", "item_id"],
                                                                ascending=[False, True]).head(top)
    if leaders.empty:
        return "_No item has metrics yet._"
    lines = ["| item | category | hook | views | retention |", "|---|---|---|---:|---:|"]
    lines += [
        f"| {cell(r.item_id, '')} | {cell(r.category, '')} | {cell(r.hook_style, '')} "
        f"| {cell(r.views_latest, ',.0f')} | {cell(r.retention_latest, '.0%')} |"
        for r in leaders.itertuples(index=False)
    ]
    return "\n".join(lines)


def totals(table: pd.DataFrame) -> dict[str, float]:
    """Headline figures as plain floats (Dagster metadata); a mean of nothing is NaN, not 0."""
    return {
        "items": float(len(table)),
        "items_with_metrics": float(table["views_latest"].notna().sum()),
        **{f"items_with_{window}": float(table[column("views", window)].notna().sum()) for window in WINDOWS},
        "total_views": float(table["views_latest"].sum()),
        "total_likes": float(table["likes_latest"].sum()),
        "total_comments": float(table["comments_latest"].sum()),
        "mean_retention": float(table["retention_latest"].mean()),
        **{f"mean_views_{window}": float(table[column("views", window)].mean()) for window in WINDOWS},
    }


def strategy_rows(table: pd.DataFrame) -> list[dict]:
    """What the bandit learns from: each measured item's attributes and its latest reward."""
    measured = table.dropna(subset=["views_latest"])
    return [
        {
            **{name: str(getattr(r, name)) for name in STRATEGY_ATTRIBUTES},
            "reward": float(reward(r.views_latest, r.avg_view_duration_s_latest, r.duration_s)),
        }
        for r in measured.itertuples(index=False)
    ]
