import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from shorts_assets.analytics import (
    WINDOWS,
    channel_table,
    leaders_markdown,
    snapshot_at,
    strategy_rows,
    totals,
)
from shorts_assets.models import MediaFile, MetricsSnapshot, Post, PostMetrics, PublishedPost, RenderedVideo
from shorts_assets.strategy import learn, reward

POSTED = datetime(2025, 3, 1, 17, 30, tzinfo=UTC)
ATTRIBUTES = {"category": "nature", "hook_style": "story", "voice": "en-us", "language": "en", "length": "20-40s",
              "music": "ambient", "footage": "procedural", "writer": "facts"}


def snap(hours, views, platform="sandbox", avg=15.0, likes=0, comments=0):
    return MetricsSnapshot(platform=platform, post_id=f"{platform}-1", taken_at=POSTED + timedelta(hours=hours),
                           hours_since_post=hours, views=views, likes=likes, comments=comments,
                           avg_view_duration_s=avg)


def item(item_id, snapshots, duration_s=30.0, platforms=("sandbox",), **attributes):
    video = RenderedVideo(
        item_id=item_id, video=MediaFile(name="video.mp4", mime="video/mp4"),
        thumbnail=MediaFile(name="thumbnail.jpg", mime="image/jpeg"),
        captions=MediaFile(name="captions.ass", mime="text/x-ssa"), duration_s=duration_s, width=1080,
        height=1920, fps=30.0, render_seconds=1.0, attributes={**ATTRIBUTES, **attributes},
    )
    posts = [Post(platform=p, post_id=f"{p}-1", url=f"https://example.com/{p}",
                  published_at=POSTED + timedelta(minutes=i)) for i, p in enumerate(platforms)]
    return video, PublishedPost(item_id=item_id, posts=posts), PostMetrics(item_id=item_id, snapshots=snapshots)


def test_windows_are_hours_after_posting():
    assert WINDOWS == {"1h": 1, "24h": 24, "7d": 168}


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(0.1, None), (1, 0.5), (2, 1.5), (24, 20.0), (30, 30.0), (168, None)],
)
def test_snapshot_at_picks_the_latest_snapshot_within_a_closed_window(hours, expected):
    snapshots = [snap(20.0, 300), snap(0.5, 10), snap(30.0, 400), snap(1.5, 50)]
    picked = snapshot_at(snapshots, hours)
    assert (picked.hours_since_post if picked else None) == expected


def test_a_window_that_has_not_closed_yet_has_no_snapshot():
    assert snapshot_at([snap(0.5, 10)], 1) is None
    assert snapshot_at([], 1) is None
    assert snapshot_at([snap(1.0, 10)], 1).views == 10


def test_the_table_has_one_row_per_item_with_its_attributes():
    table = channel_table([item("bees-1", [snap(2, 100)]), item("sky-1", [snap(2, 50)], category="science")])
    assert list(table["item_id"]) == ["bees-1", "sky-1"]
    first = table.iloc[0]
    assert first["category"] == "nature" and first["hook_style"] == "story" and first["footage"] == "procedural"
    assert first["posting_hour"] == 17 and first["caption_style"] == "classic"
    assert first["posting_weekday"] == "sat"  # 2025-03-01 17:30 UTC
    assert table.iloc[1]["category"] == "science"
    assert first["duration_s"] == 30.0


def test_metrics_are_summed_over_platforms_and_duration_is_weighted_by_views():
    snapshots = [snap(1.0, 100, "youtube", avg=12.0, likes=5, comments=1),
                 snap(1.0, 300, "tiktok", avg=20.0, likes=10, comments=3),
                 snap(26.0, 1000, "youtube", avg=12.0), snap(26.0, 3000, "tiktok", avg=24.0)]
    row = channel_table([item("bees-1", snapshots, duration_s=40.0, platforms=("youtube", "tiktok"))]).iloc[0]
    assert (row["views_1h"], row["likes_1h"], row["comments_1h"]) == (400, 15, 4)
    assert row["avg_view_duration_s_1h"] == pytest.approx((100 * 12 + 300 * 20) / 400)
    assert row["retention_1h"] == pytest.approx(18 / 40)
    assert row["views_24h"] == 400  # the latest snapshots at or before 24 h are the 1 h ones
    assert row["views_latest"] == 4000 and row["retention_latest"] == pytest.approx(21 / 40)
    assert math.isnan(row["views_7d"])


def test_windows_not_reached_are_nan_not_zero():
    table = channel_table([item("young-1", [snap(0.5, 10)]), item("none-1", [])])
    young, empty = table.iloc[0], table.iloc[1]
    assert all(math.isnan(young[f"{metric}_1h"]) for metric in ("views", "likes", "retention"))
    assert young["views_latest"] == 10
    assert math.isnan(empty["views_latest"]) and math.isnan(empty["retention_latest"])


def test_a_platform_missing_a_window_leaves_the_window_unknown():
    snapshots = [snap(0.5, 10, "youtube"), snap(2.0, 30, "youtube"), snap(2.0, 40, "tiktok")]
    row = channel_table([item("bees-1", snapshots, platforms=("youtube", "tiktok"))]).iloc[0]
    assert math.isnan(row["views_1h"]) and row["views_latest"] == 70


def test_zero_views_keeps_a_defined_view_duration():
    row = channel_table([item("bees-1", [snap(2.0, 0, avg=0.0)])]).iloc[0]
    assert row["views_latest"] == 0 and row["retention_latest"] == 0


def test_an_empty_channel_gives_an_empty_table_with_the_columns():
    table = channel_table([])
    assert table.empty and {"item_id", "category", "views_latest", "retention_7d"} <= set(table.columns)
    assert leaders_markdown(table) == "_No item has metrics yet._"
    figures = totals(table)
    assert figures["items"] == 0.0 and math.isnan(figures["mean_retention"])
    assert all(type(value) is float for value in figures.values())


def test_table_columns_are_numeric_and_round_trip_through_csv(tmp_path):
    table = channel_table([item("bees-1", [snap(2, 100)]), item("new-1", [])])
    assert pd.api.types.is_float_dtype(table["views_latest"]) and pd.api.types.is_float_dtype(table["views_7d"])
    table.to_csv(tmp_path / "table.csv", index=False)
    again = pd.read_csv(tmp_path / "table.csv")
    assert list(again.columns) == list(table.columns) and again["views_latest"].isna().tolist() == [False, True]


def test_leaders_are_the_most_viewed_items_in_markdown():
    items = [item(f"item-{n}", [snap(2, views)]) for n, views in enumerate([50, 5000, 700, 10])]
    items.append(item("pipe-1", [snap(2, 1200, avg=15.0)], category="a|b"))
    items.append(item("unseen-1", []))
    markdown = leaders_markdown(channel_table(items), top=3)
    lines = markdown.splitlines()
    assert lines[0] == "| item | category | hook | views | retention |"
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["item-1", "pipe-1", "item-2"]
    assert "| 5,000 | 50% |" in lines[2] and "a\\|b" in lines[3]
    assert "unseen-1" not in markdown


def test_totals_are_plain_floats():
    table = channel_table([item("a-1", [snap(1, 100, avg=15.0), snap(30, 400, avg=15.0, likes=20, comments=2)]),
                           item("b-1", [snap(1, 300, avg=6.0)]), item("c-1", [])])
    figures = totals(table)
    assert all(type(value) is float for value in figures.values())
    assert figures["items"] == 3 and figures["items_with_metrics"] == 2
    assert figures["items_with_1h"] == 2 and figures["items_with_24h"] == 1 and figures["items_with_7d"] == 0
    assert figures["total_views"] == 700 and figures["total_likes"] == 20 and figures["total_comments"] == 2
    assert figures["mean_retention"] == pytest.approx((0.5 + 0.2) / 2)
    assert figures["mean_views_1h"] == pytest.approx((100 + 300) / 2) and math.isnan(figures["mean_views_7d"])


def test_strategy_rows_give_each_measured_item_its_latest_reward(monkeypatch):
    calls = []

    def reward(views, avg_view_duration_s, duration_s):
        calls.append((views, avg_view_duration_s, duration_s))
        return views * avg_view_duration_s / duration_s

    monkeypatch.setattr("shorts_assets.analytics.reward", reward)
    table = channel_table([item("a-1", [snap(2, 100, avg=15.0), snap(30, 400, avg=15.0)], length="40-60s"),
                           item("b-1", [], music="none")])
    rows = strategy_rows(table)
    assert rows == [{"category": "nature", "hook_style": "story", "length": "40-60s", "music": "ambient",
                     "language": "en", "posting_hour": "17", "posting_weekday": "sat", "caption_style": "classic",
                     "reward": 200.0}]
    assert calls == [(400.0, 15.0, 30.0)] and type(rows[0]["reward"]) is float


def test_the_strategy_learns_which_language_viewers_reward():
    """A video's language reaches the bandit through the channel table; an item from before languages
    were recorded (no `language` attribute) says nothing about any of them."""
    made = [("es", 900), ("hi", 90), ("en", 20)] * 6
    items = [item(f"item-{n}", [snap(48, views)], language=code) for n, (code, views) in enumerate(made)]
    old = item("old-1", [snap(48, 10**6)])
    old[0].attributes.pop("language")
    strategy = learn(strategy_rows(channel_table([*items, old])), seed=1)
    language = next(attribute for attribute in strategy.attributes if attribute.attribute == "language")
    assert [arm.value for arm in language.arms] == ["en", "es", "hi"] and language.best == "es"
    assert {arm.value: arm.n for arm in language.arms} == {"en": 6, "es": 6, "hi": 6}
    assert "Spanish videos" in strategy.hints


def test_strategy_rows_use_the_strategy_reward():
    table = channel_table([item("a-1", [snap(30, 400, avg=15.0)]), item("b-1", [snap(30, 40, avg=3.0)])])
    assert [row["reward"] for row in strategy_rows(table)] == [reward(400, 15.0, 30.0), reward(40, 3.0, 30.0)]
