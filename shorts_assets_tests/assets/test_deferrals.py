"""Used-up windows defer work instead of failing it: YouTube's quota and the daily budget,
through the real clients against the fakes, and the sheet sync that writes it back and resumes it."""

import json
from datetime import UTC, datetime, timedelta

from dagster import AssetKey, DagsterEventType, DagsterInstance, SensorResult, SkipReason, build_sensor_context

from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.definitions import build_definitions
from shorts_assets.partitions import content_items
from shorts_assets_tests.assets.conftest import COLUMNS, ITEM, set_status
from shorts_assets_tests.conftest import GOOD_ROW, small_settings, sync_sheet
from shorts_assets_tests.fakes.youtube_api import UPLOAD_VIDEOS, error


def row_of(sheets, item_id: str) -> dict[str, str]:
    header, *rows = sheets.grid("ideas")
    return next(dict(zip(header, row, strict=False)) for row in rows if item_id in row)


def tick(sensor, defs, instance):
    with build_sensor_context(instance=instance, resources=defs.resources) as context:
        return sensor(context)


def retries(result, step: str) -> int:
    return sum(1 for e in result.all_events
               if e.step_key == step and e.event_type in (DagsterEventType.STEP_UP_FOR_RETRY,
                                                           DagsterEventType.STEP_RESTARTED))


def test_a_used_up_youtube_quota_defers_the_post_and_the_sensor_resumes_it_in_the_next_window(services, tmp_path):
    env, openai, elevenlabs, youtube, sheets = services
    defs = build_definitions(small_settings(env))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    assert defs.resolve_job_def("produce_content").execute_in_process(partition_key=ITEM, instance=instance).success
    set_status(sheets, "approved")
    approved = sync_sheet(defs, instance).run_requests
    assert [(r.job_name, r.partition_key) for r in approved] == [("publish_content", ITEM)]
    assert row_of(sheets, ITEM)["status"] == "publishing"

    youtube.fail_next(error(403, "quotaExceeded", "The request cannot be completed because you have exceeded "
                                 "your quota."), UPLOAD_VIDEOS)
    publish = defs.resolve_job_def("publish_content")
    deferred = publish.execute_in_process(partition_key=ITEM, instance=instance)
    assert deferred.success and retries(deferred, "published_post") == 0  # a deferral, not a failure
    assert not deferred.asset_materializations_for_node("published_post") and youtube.uploads == []
    sync_sheet(defs, instance)
    row = row_of(sheets, ITEM)
    assert row["status"] == "deferred"
    assert row["error"].startswith("published_post: youtube: YouTube quota exhausted (quotaExceeded)")
    assert "deferred until" in row["error"] and "midnight Pacific" in row["error"]
    assert sync_sheet(defs, instance).skip_reason  # not due yet

    # The next window: the quota is new and the deferral is due.
    store = tmp_path / "store"
    (store / "quota" / "youtube.json").unlink()
    deferral_path = store / "deferrals" / f"{ITEM}.json"
    deferral = json.loads(deferral_path.read_text())
    deferral_path.write_text(json.dumps({**deferral, "until": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}))
    requests = sync_sheet(defs, instance).run_requests
    assert [(r.job_name, r.partition_key, r.asset_selection) for r in requests] == [
        ("publish_content", ITEM, [AssetKey("published_post")])]
    assert row_of(sheets, ITEM)["status"] == "publishing"
    resumed = publish.execute_in_process(partition_key=ITEM, instance=instance,
                                         asset_selection=requests[0].asset_selection)
    assert resumed.success and len(youtube.uploads) == 1
    sync_sheet(defs, instance)
    assert row_of(sheets, ITEM)["status"] == "published" and row_of(sheets, ITEM)["error"] == ""
    assert sync_sheet(defs, instance).skip_reason


def test_past_the_daily_budget_new_rows_wait_and_paid_steps_defer_without_calling_the_services(services, tmp_path):
    env, openai, elevenlabs, youtube, sheets = services
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    defs = build_definitions(small_settings({**env, "SHORTS_DAILY_BUDGET_USD": "0.001"}))
    produced = defs.resolve_job_def("produce_content").execute_in_process(partition_key=ITEM, instance=instance)
    assert produced.success  # under the cap when it started; its costs now pass it

    sheets.sheets["ideas"].cells.append([GOOD_ROW.get(c, "") for c in COLUMNS[:-2]] + ["", ""])
    sheets.sheets["ideas"].cells[-1][0] = "octopus hearts"
    held = tick(content_sheet_sensor, defs, instance)
    assert isinstance(held, SkipReason) and "daily budget of $0.00 is reached" in held.skip_message
    assert not isinstance(held, SensorResult) and row_of(sheets, "octopus hearts")["status"] == ""

    chats = len(openai.calls("POST", "/v1/chat/completions"))
    instance.add_dynamic_partitions(content_items.name, ["bees-two"])
    sheets.sheets["ideas"].cells[-1][COLUMNS.index("item_id")] = "bees-two"
    second = defs.resolve_job_def("produce_content").execute_in_process(partition_key="bees-two", instance=instance)
    assert second.success and not second.asset_materializations_for_node("script")
    assert len(openai.calls("POST", "/v1/chat/completions")) == chats  # no paid call past the cap
    sync_sheet(defs, instance)
    row = row_of(sheets, "bees-two")
    assert row["status"] == "deferred" and row["error"].startswith("script: the daily budget of $0.00 is reached")
    assert "SHORTS_DAILY_BUDGET_USD" in row["error"]
