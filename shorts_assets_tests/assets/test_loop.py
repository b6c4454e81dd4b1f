"""The closed loop on the sandbox: production, an analytics cycle, a strategy, proposals."""

import json
from datetime import UTC, datetime

import pytest
from dagster import (
    AssetMaterialization,
    PartitionKeyRange,
    RunRequest,
    SkipReason,
    build_schedule_context,
    instance_for_test,
)

from shorts_assets.assets.metrics import post_metrics
from shorts_assets.assets.post import published_post
from shorts_assets.assets.retraction import retracted_post
from shorts_assets.automation.schedules import RANGE_END, RANGE_START, analytics_schedule, next_cycle, run_cycle
from shorts_assets.definitions import build_definitions
from shorts_assets.partitions import content_items, live_posts
from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, small_settings, write_sheet

ITEMS = {"bees-loop": {**GOOD_ROW, "item_id": "bees-loop", "status": "queued"},
         "ants-loop": {**GOOD_ROW, "topic": "ants", "facts": "Ants farm fungus. | Ants never sleep.",
                       "hook_style": "story", "category": "science", "item_id": "ants-loop", "status": "queued"}}


@pytest.fixture(scope="module")
def looped(tmp_path_factory):
    home = tmp_path_factory.mktemp("loop")
    write_sheet(home / "content_sheet.csv", list(ITEMS.values()))
    defs = build_definitions(small_settings({"SHORTS_HOME": str(home), "SHORTS_PROPOSALS_PER_CYCLE": "3",
                                                "SHORTS_MAX_OPEN_PROPOSALS": "4"}))
    with instance_for_test() as instance:  # a real instance: schedules are evaluated against its ref
        instance.add_dynamic_partitions(content_items.name, list(ITEMS))
        for item in ITEMS:
            job = defs.resolve_job_def("content_pipeline")
            assert job.execute_in_process(partition_key=item, instance=instance).success
        cycles = [run_cycle(defs, instance) for _ in range(2)]
        yield home, instance, cycles


def record(home, key: str) -> dict:
    return json.loads((home / "store" / key / "record.json").read_text())["record"]


def test_a_cycle_snapshots_every_post_and_keeps_the_history(looped):
    home, instance, cycles = looped
    assert all(c.success for c in cycles)
    for item in ITEMS:
        snapshots = record(home, f"post_metrics/{item}")["snapshots"]
        assert len(snapshots) == 2  # one a cycle
        assert snapshots[0]["taken_at"] < snapshots[-1]["taken_at"]
        events = instance.fetch_materializations(post_metrics.key, limit=100).records
        mine = [e for e in events if e.partition_key == item]
        assert len(mine) == 2  # the history stays in Dagster, each with the item's own figures
        assert {e.asset_materialization.metadata["snapshots"].value for e in mine} == {1, 2}
    # one run a cycle, every live post in it
    assert all(len(c.asset_materializations_for_node("post_metrics")) == len(ITEMS) for c in cycles)
    analytics = record(home, "channel_analytics")
    assert analytics["items"] == 2 and analytics["totals"]["total_views"] >= 0


def test_the_strategy_explains_itself_and_proposals_respect_the_cap(looped):
    home, instance, cycles = looped
    strategy = record(home, "content_strategy")
    assert {b["attribute"] for b in strategy["attributes"]} == {"category", "hook_style", "length", "music", "language",
                                                              "posting_hour", "posting_weekday", "caption_style"}
    assert sorted(strategy["posting_hours"]) == list(range(24))  # every hour, best first, for `auto` slots
    assert strategy["items"] == 2 and strategy["hints"]
    rows = read_sheet(home / "content_sheet.csv")
    proposed = [r for r in rows if r["status"] == "proposed"]
    assert len(proposed) == 4  # 3 the first cycle, then only 1 more under the cap of 4 open proposals
    assert all(r["topic"] and r["facts"] and r["notes"] for r in proposed)
    assert len({r["topic"] for r in rows}) == len(rows)
    metadata = cycles[0].asset_materializations_for_node("content_strategy")[0].metadata
    assert "explanation" in metadata and "best_hook_style" in metadata
    assert metadata["posting_hours"].value.count(":00") == 24 and metadata["channel_timezone"].value == "UTC"


def test_the_schedule_waits_for_something_published_then_runs_one_cycle_a_tick(looped):
    _, instance, _ = looped
    tick = datetime(2026, 11, 21, 12, tzinfo=UTC)
    with build_schedule_context(instance=instance, scheduled_execution_time=tick) as context:
        request = analytics_schedule("0 * * * *")(context)
    assert isinstance(request, RunRequest) and request.run_key == "analytics:2026-11-21T12:00:00+00:00"
    live = instance.get_dynamic_partitions(live_posts.name)
    assert sorted(live) == sorted(ITEMS) and request.partition_key_range == PartitionKeyRange(live[0], live[-1])
    with instance_for_test() as empty, build_schedule_context(instance=empty) as context:
        assert isinstance(analytics_schedule("0 * * * *")(context), SkipReason)


def test_the_cycle_targets_every_live_post_as_one_range_until_it_is_retracted():
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(content_items.name, ["a", "draft", "b", "c"])
        for item in ("a", "b", "c"):
            instance.report_runless_asset_event(AssetMaterialization(published_post.key, partition=item))
        assert next_cycle(instance).tags == {RANGE_START: "a", RANGE_END: "c"}
        instance.report_runless_asset_event(AssetMaterialization(retracted_post.key, partition="b"))
        cycle = next_cycle(instance)
        assert cycle.posts == ["a", "c"] and cycle.tags == {RANGE_START: "a", RANGE_END: "c"}
        assert instance.get_dynamic_partitions(live_posts.name) == ["a", "c"]  # the range holds no draft
        for item in ("a", "c"):
            instance.report_runless_asset_event(AssetMaterialization(retracted_post.key, partition=item))
        cycle = next_cycle(instance)  # nothing live: the strategy still learns and proposes
        assert cycle.posts == [] and cycle.tags == {} and post_metrics.key not in cycle.asset_selection
