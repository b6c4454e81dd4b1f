"""The best hour is learned: posts are measured by their hour and weekday on the channel's clock,
the simulated audience has a prime hour, and the hours `auto` slots use converge to it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dagster import build_asset_context

from shorts_assets.analytics import channel_table, read_table, strategy_rows
from shorts_assets.assets.strategy import content_strategy
from shorts_assets.config import Settings, build_resources
from shorts_assets.keys import record
from shorts_assets.models import ChannelAnalytics, ContentStrategy, MediaFile, PostMetrics, PublishedPost
from shorts_assets.policy import Policy
from shorts_assets.posting_time import POSTING_ATTRIBUTES, POSTING_HOUR, POSTING_WEEKDAY, WEEKDAYS, posting_time
from shorts_assets.providers.platforms import SandboxChannel, SimulatedAudience, closeness
from shorts_assets.store import LocalStore, load_record
from shorts_assets.strategy import ATTRIBUTES, explain, learn
from shorts_assets_tests.providers.test_platforms import upload_for
from shorts_assets_tests.test_analytics import item, snap

BERLIN = ZoneInfo("Europe/Berlin")
LATE_MONDAY = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # winter: 00:30 on Tuesday in Berlin (UTC+1)
AUDIENCE_SEED = 7  # the sandbox channel's default audience


def posted(item_id: str, at: datetime, snapshots=()) -> tuple:
    """An item of the analytics tests, posted on the sandbox at `at`."""
    video, post, metrics = item(item_id, list(snapshots))
    return video, PublishedPost(item_id=item_id, posts=[post.posts[0].model_copy(update={"published_at": at})]), metrics


# the hour and the weekday on the channel's clock


def test_a_post_late_on_monday_in_utc_is_early_tuesday_in_berlin():
    assert posting_time(LATE_MONDAY, UTC) == {POSTING_HOUR: "23", POSTING_WEEKDAY: "mon"}
    assert posting_time(LATE_MONDAY, BERLIN) == {POSTING_HOUR: "0", POSTING_WEEKDAY: "tue"}
    summer = datetime(2026, 7, 6, 22, 30, tzinfo=UTC)  # daylight saving time: UTC+2, the same local habit
    assert posting_time(summer, BERLIN) == {POSTING_HOUR: "0", POSTING_WEEKDAY: "tue"}
    with pytest.raises(ValueError, match="time zone"):
        posting_time(datetime(2026, 1, 5, 23, 30), BERLIN)


def test_analytics_gives_the_hour_and_weekday_in_the_channel_zone(tmp_path):
    items = [posted("late-1", LATE_MONDAY, [snap(48, 100)]), item("draft-1", [])]
    items[1][1].posts.clear()  # never posted: no time at all
    berlin = channel_table(items, BERLIN)
    assert berlin.iloc[0][POSTING_HOUR] == 0 and berlin.iloc[0][POSTING_WEEKDAY] == "tue"
    assert berlin[POSTING_HOUR].isna().tolist() == [False, True]
    utc = channel_table(items)  # the default zone is UTC, like SHORTS_CHANNEL_TIMEZONE's
    assert utc.iloc[0][POSTING_HOUR] == 23 and utc.iloc[0][POSTING_WEEKDAY] == "mon"
    berlin.to_csv(tmp_path / "table.csv", index=False)  # as channel_analytics stores it
    (row,) = strategy_rows(read_table(tmp_path / "table.csv"))
    assert row[POSTING_HOUR] == "0" and row[POSTING_WEEKDAY] == "tue"  # not "0.0" beside a missing hour


# the simulated audience


def test_the_audience_prefers_its_prime_hour_then_its_neighbours_around_the_clock():
    audience = SimulatedAudience(AUDIENCE_SEED)
    prime = int(audience.prime(POSTING_HOUR))
    appeal = {hour: audience.appeal({POSTING_HOUR: str(hour)}) for hour in range(24)}
    near = [(prime - 1) % 24, (prime + 1) % 24]
    assert max(appeal, key=appeal.get) == prime
    assert all(appeal[prime] > appeal[hour] > appeal[(prime + 12) % 24] for hour in near)
    assert closeness(23, 0, 24, 2) == closeness(1, 0, 24, 2) == 0.5  # 23:00 is next to midnight
    days = {day: audience.appeal({POSTING_WEEKDAY: day}) for day in WEEKDAYS}
    assert max(days, key=days.get) == audience.prime(POSTING_WEEKDAY)


def test_the_sandbox_audience_lives_in_the_channel_time_zone():
    resources = build_resources(Settings.from_env({"SHORTS_CHANNEL_TIMEZONE": "Europe/Berlin"}))
    assert resources["platforms"].sandbox.timezone == resources["policy"].channel_timezone == "Europe/Berlin"


def at_local_hour(day: datetime, hour: int, zone: ZoneInfo) -> datetime:
    return day.astimezone(zone).replace(hour=hour, minute=0).astimezone(UTC)


def test_the_sandbox_measures_a_post_by_its_hour_on_the_channel_clock(tmp_path):
    channel = SandboxChannel(root=str(tmp_path / "channel"), timezone="Europe/Berlin")
    post = channel.publish(upload_for(tmp_path))
    prime = int(SimulatedAudience(channel.seed).prime(POSTING_HOUR))
    day = datetime(2026, 1, 6, tzinfo=UTC)

    def views(at: datetime, zone: str = "Europe/Berlin") -> int:
        sandbox = channel.model_copy(update={"timezone": zone})
        return sandbox.metrics(post.model_copy(update={"published_at": at}), at + timedelta(seconds=48)).views

    at_prime = at_local_hour(day, prime, BERLIN)
    assert views(at_prime) > views(at_local_hour(day, (prime + 12) % 24, BERLIN))
    assert views(at_prime) > views(at_prime, "America/New_York")  # the same instant is 6 hours off there


# the strategy's posting hours


SLOTS_A_DAY, DAYS = 3, 20  # one cycle a day, three auto slots: 60 posts
CONTENT = {"category": "nature", "hook_style": "story", "length": "20-40s", "music": "ambient", "language": "en"}


def run_days(audience_seed: int, zone: ZoneInfo, tmp_path) -> tuple[list[list[int]], ContentStrategy]:
    """Learn -> publish on the sandbox at the first SLOTS_A_DAY posting hours (what `auto` slots do)
    -> measure at 48 h -> learn, a day at a time; every day's hours and the last strategy."""
    channel = SandboxChannel(root=str(tmp_path / "channel"), seed=audience_seed, timezone=zone.key)
    first_day = datetime(2026, 1, 5, tzinfo=zone)
    items, picked = [], []
    for day in range(DAYS):
        strategy = learn(strategy_rows(channel_table(items, zone)), seed=100 + day, draws=200)
        hours = strategy.posting_hours[:SLOTS_A_DAY]
        picked.append(hours)
        for slot, hour in enumerate(hours):
            item_id = f"day{day}-slot{slot}"
            post = channel.publish(upload_for(tmp_path, item_id, **CONTENT))
            at = at_local_hour(first_day + timedelta(days=day), hour, zone)
            post = post.model_copy(update={"published_at": at})
            video, _, _ = item(item_id, [], **CONTENT)
            metrics = PostMetrics(item_id=item_id, snapshots=[channel.metrics(post, at + timedelta(seconds=48))])
            items.append((video, PublishedPost(item_id=item_id, posts=[post]), metrics))
    return picked, learn(strategy_rows(channel_table(items, zone)), seed=100 + DAYS, draws=200)


def test_the_posting_hours_converge_to_the_hour_the_audience_prefers(tmp_path):
    prime = int(SimulatedAudience(AUDIENCE_SEED).prime(POSTING_HOUR))  # 19:00 on the Berlin clock
    picked, strategy = run_days(AUDIENCE_SEED, BERLIN, tmp_path)
    firsts = [hours[0] for hours in picked]
    print(f"prime hour {prime}: each day's first posting hour {firsts}")
    assert len(set(firsts[:5])) >= 4  # with nothing learned yet, the hours are explored
    late = firsts[-5:]
    assert Counter(late)[prime] >= 4, f"the last days opened at {late}, the audience's prime hour is {prime}"
    assert strategy.posting_hours[0] == prime and sorted(strategy.posting_hours) == list(range(24))
    hour = next(belief for belief in strategy.attributes if belief.attribute == POSTING_HOUR)
    assert hour.best == str(prime)
    (tmp_path / "again").mkdir()
    assert run_days(AUDIENCE_SEED, BERLIN, tmp_path / "again")[0] == picked  # reproducible with the seeds


def test_posting_hours_are_in_the_record_and_the_metadata(tmp_path):
    items = [posted(f"item-{hour}-{n}", at_local_hour(LATE_MONDAY, hour, BERLIN),
                    [snap(48, (1000 if hour == 19 else 100) + 10 * n)])
             for hour in range(24) for n in range(2)]  # every hour tried twice; 19:00 drew ten times the views
    table = channel_table(items, BERLIN)
    table.to_csv(tmp_path / "channel_analytics.csv", index=False)
    analytics = ChannelAnalytics(items=len(items), table=MediaFile(name="channel_analytics.csv", mime="text/csv",
                                                                   path=tmp_path / "channel_analytics.csv"))
    policy = Policy(review_required=False, channel_timezone="Europe/Berlin")
    with build_asset_context() as context:
        output = content_strategy(context, channel_analytics=analytics, policy=policy)
    assert [belief.attribute for belief in output.value.attributes] == list(ATTRIBUTES)
    assert output.value.posting_hours[0] == 19 and sorted(output.value.posting_hours) == list(range(24))
    metadata = {name: value.value for name, value in output.metadata.items()}
    assert metadata["posting_hours"].startswith("19:00, ") and metadata["best_posting_hour"] == "19"
    assert metadata["channel_timezone"] == "Europe/Berlin"
    assert "**Posting hours** for `auto` slots (channel time zone, best first): 19:00" in \
        metadata["explanation"]
    assert "posting" not in output.value.hints  # advice for the writer, who does not choose the time


def test_the_explanation_puts_the_untried_hours_in_one_row():
    rows = [{**CONTENT, POSTING_HOUR: hour, POSTING_WEEKDAY: "tue", "reward": reward}
            for hour, reward in (("19", 2.0), ("7", 1.0))]
    hours = explain(learn(rows, seed=1)).split("### posting_hour")[1].split("###")[0]
    table = [line for line in hours.splitlines() if line.startswith("|")]
    assert table[2].startswith("| **19** | 1 |") and table[3].startswith("| 7 | 1 |")
    assert table[4].startswith("| untried: 0, 1, 2, 3, 4, 5, 6, 8, 9, 10,") and len(table) == 5


def test_a_strategy_stored_before_posting_hours_still_loads(tmp_path):
    store = LocalStore(tmp_path)
    old = learn([{**CONTENT, "reward": 1.0}], seed=1).model_dump(mode="json")
    old.pop("posting_hours")
    old["attributes"] = [belief for belief in old["attributes"] if belief["attribute"] not in POSTING_ATTRIBUTES]
    store.put_json(record(content_strategy.key), {"model": "ContentStrategy", "record": old})
    loaded = load_record(store, content_strategy.key)
    assert isinstance(loaded, ContentStrategy) and loaded.posting_hours == []
