"""A publishing slot end to end: the real assets, the sensors and the YouTube and Sheets fakes. The
slot is a real one (tomorrow's 17:00 in Berlin); its passing is played by moving the item's time
into the past, as test_deferrals moves a deferral's."""

from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, build_sensor_context

from shorts_assets import keys
from shorts_assets.automation.publishing import publishing_slots
from shorts_assets.definitions import build_definitions
from shorts_assets.partitions import content_items
from shorts_assets.store import StoreResource
from shorts_assets_tests.assets.conftest import ITEM, set_status
from shorts_assets_tests.assets.test_deferrals import row_of
from shorts_assets_tests.conftest import small_settings, sync_sheet


def calendar_tick(defs, instance, cursor):
    with build_sensor_context(instance=instance, resources=defs.resources, cursor=cursor) as context:
        return publishing_slots(context)


def test_an_approved_item_goes_to_youtube_ahead_with_its_slot_and_is_published_at_it(services, tmp_path):
    env, _, _, youtube, sheets = services
    defs = build_definitions(small_settings({**env, "SHORTS_PUBLISH_SLOTS": "0 17 * * *",
                                             "SHORTS_CHANNEL_TIMEZONE": "Europe/Berlin"}))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    assert defs.resolve_job_def("produce_content").execute_in_process(partition_key=ITEM, instance=instance).success
    set_status(sheets, "approved")
    assert sync_sheet(defs, instance).skip_reason  # not published on approval: the calendar has it

    ahead = calendar_tick(defs, instance, None)
    [request] = ahead.run_requests
    assert request.run_key.startswith(f"ahead:{ITEM}:")
    publish = defs.resolve_job_def("publish_content")
    early = publish.execute_in_process(partition_key=ITEM, instance=instance, tags=request.tags)
    assert early.success and not early.asset_materializations_for_node("published_post")
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path)).open()
    slot = store.read_json(keys.slot(ITEM))
    [session] = youtube.uploads
    assert datetime.fromisoformat(session.metadata["status"]["publishAt"]) == datetime.fromisoformat(slot["at"])
    assert slot["shown"].endswith(" 17:00 CET")
    sync_sheet(defs, instance)
    assert row_of(sheets, ITEM)["status"] == f"scheduled for {slot['shown']}"

    store.put_json(keys.slot(ITEM), {**slot, "at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
    due = calendar_tick(defs, instance, ahead.cursor)
    [request] = due.run_requests
    assert request.run_key.startswith(f"slot:{ITEM}:")
    at_slot = publish.execute_in_process(partition_key=ITEM, instance=instance, tags=request.tags)
    assert at_slot.success and at_slot.asset_materializations_for_node("published_post")
    assert len(youtube.uploads) == 1  # uploaded once, ahead
    sync_sheet(defs, instance)
    assert row_of(sheets, ITEM)["status"] == "published"
