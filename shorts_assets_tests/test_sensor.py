import json
import time
import uuid

import pytest
from dagster import (
    AssetMaterialization,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    SensorResult,
    SkipReason,
    build_sensor_context,
)

from shorts_assets import keys
from shorts_assets.assets.retraction import retracted_post
from shorts_assets.assets.video import rendered_video
from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.automation.sheet_sync import sheet_sync
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets.providers.elevenlabs_voice import ElevenLabsVoice
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets.store import StoreResource
from shorts_assets.versions import ideas_from_row
from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, write_sheet

SECOND = {**GOOD_ROW, "topic": "ant colonies", "facts": "Ants farm fungus."}


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


def tick(instance, sheet_path, cursor=None, review_required=False, rows_per_tick=100, allow_networks=(),
         voice=None):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={
        "sheet": CsvSheet(path=str(sheet_path)), "voice": voice or EspeakVoice(),
        "policy": Policy(review_required=review_required, rows_per_tick=rows_per_tick,
                         allow_networks=list(allow_networks))})
    result = content_sheet_sensor(context)
    if isinstance(result, SensorResult):
        for request in result.dynamic_partitions_requests:  # what the daemon does with the result
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def test_new_rows_become_partitions_and_runs_in_one_result(instance, sheet_path):
    write_sheet(sheet_path, [GOOD_ROW, {}, {**GOOD_ROW, "hook_style": "??"}, SECOND])
    result = tick(instance, sheet_path)
    keys = [r.partition_key for r in result.run_requests]
    assert len(keys) == 2 and keys[0].startswith("honeybees-") and keys[1].startswith("ant-colonies-")
    assert [r.run_key for r in result.run_requests] == keys
    assert result.dynamic_partitions_requests[0].partition_keys == keys
    assert json.loads(result.cursor) == {"rows": 4, "pending": []}
    rows = read_sheet(sheet_path)
    assert [r["status"] for r in rows] == ["queued", "", "rejected: hook_style must be one of question, "
                                           "bold-claim, number, story", "queued"]
    assert [rows[0]["item_id"], rows[3]["item_id"]] == keys
    assert set(instance.get_dynamic_partitions(content_items.name)) == set(keys)


def test_media_links_to_internal_addresses_are_rejected_unless_the_setting_allows_them(instance, sheet_path):
    links = ["http://169.254.169.254/latest/meta-data/", "http://0x7f.1:22/", "http://127.0.0.1:8123/bees.mp4"]
    write_sheet(sheet_path, [{**GOOD_ROW, "topic": f"link {n}", "media": link} for n, link in enumerate(links)])
    result = tick(instance, sheet_path, allow_networks=["127.0.0.1:8123"])
    assert [r["status"] for r in read_sheet(sheet_path)] == [
        "rejected: media 1 links 169.254.169.254, a link-local address inside the factory's network "
        "(the cloud metadata service lives there): give a public link",
        "rejected: media 1 links 0x7f.1 (127.0.0.1), a loopback address inside the factory's network: "
        "give a public link",
        "queued"]
    assert [r.partition_key.split("-")[:2] for r in result.run_requests] == [["link", "2"]]


JAPANESE = {**GOOD_ROW, "topic": "ミツバチ", "facts": "ミツバチは八の字ダンスで花の場所を伝えます。", "language": "ja"}


def test_a_language_the_offline_voice_cannot_speak_is_rejected_naming_the_voice_to_select(instance, sheet_path):
    chinese = {**JAPANESE, "topic": "蜜蜂", "language": "zh"}
    write_sheet(sheet_path, [JAPANESE, chinese, {**GOOD_ROW, "language": "tlh"}])
    result = tick(instance, sheet_path)
    statuses = [row["status"] for row in read_sheet(sheet_path)]
    assert statuses[0] == ("rejected: the offline voice (espeak-ng) cannot speak Japanese (ja): it would spell the "
                           "text out instead of reading it. Select a voice service that speaks it: "
                           "SHORTS_VOICE=elevenlabs with ELEVENLABS_API_KEY set")
    assert statuses[1] == "queued" and statuses[2].startswith("rejected: language 'tlh' is not one")
    assert [r.partition_key for r in result.run_requests] == [read_sheet(sheet_path)[1]["item_id"]]
    assert result.run_requests[0].partition_key.startswith("mifeng-")


def test_a_voice_service_that_speaks_the_language_takes_the_row(instance, sheet_path):
    write_sheet(sheet_path, [JAPANESE])
    result = tick(instance, sheet_path, voice=ElevenLabsVoice(api_key="not-asked"))
    assert read_sheet(sheet_path)[0]["status"] == "queued"
    assert [r.partition_key.split("-")[0] for r in result.run_requests] == ["mitsubachi"]


def test_nothing_new_is_a_skip(instance, sheet_path):
    write_sheet(sheet_path, [GOOD_ROW])
    first = tick(instance, sheet_path)
    again = tick(instance, sheet_path, cursor=first.cursor)
    assert isinstance(again, SkipReason)


def test_rows_before_the_cursor_are_not_read_again(instance, sheet_path):
    write_sheet(sheet_path, [GOOD_ROW])
    first = tick(instance, sheet_path)
    rows = read_sheet(sheet_path)
    rows[0]["status"] = ""
    rows.append(SECOND)
    write_sheet(sheet_path, rows)
    second = tick(instance, sheet_path, cursor=first.cursor)
    assert [r.partition_key.split("-")[0] for r in second.run_requests] == ["ant"]
    assert json.loads(second.cursor) == {"rows": 2, "pending": []}


def test_handled_rows_are_neither_parsed_nor_validated_again(instance, sheet_path, monkeypatch):
    write_sheet(sheet_path, [GOOD_ROW, SECOND])
    first = tick(instance, sheet_path)
    CsvSheet(path=str(sheet_path)).append_rows([{**GOOD_ROW, "topic": "third topic"}])
    validated = []

    def counted(values, number, allowed, writer_adapts):
        validated.append(number)
        return ideas_from_row(values, number, allowed, writer_adapts)
    monkeypatch.setattr("shorts_assets.automation.intake.ideas_from_row", counted)
    parsed = CsvSheet(path=str(sheet_path)).rows(after=2)
    assert [row.number for row in parsed] == [3]
    second = tick(instance, sheet_path, cursor=first.cursor)
    assert validated == [3] and len(second.run_requests) == 1


def test_a_pasted_thousand_rows_go_in_a_capped_batch_a_tick_and_proposals_keep_waiting(instance, sheet_path):
    rows = [{**GOOD_ROW, "topic": f"topic {n}"} for n in range(25)]
    rows[3]["status"] = "proposed"
    write_sheet(sheet_path, rows)
    cursor, batches = None, []
    for _ in range(4):
        result = tick(instance, sheet_path, cursor=cursor, rows_per_tick=10)
        batches.append(len(result.run_requests))
        cursor = result.cursor
        assert json.loads(cursor)["pending"] == [4]  # the proposal is remembered on every tick
    assert batches == [10, 10, 4, 0]
    assert [row["status"] for row in read_sheet(sheet_path)].count("queued") == 24
    assert len(instance.get_dynamic_partitions(content_items.name)) == 24


def test_a_repeated_row_never_makes_a_second_partition(instance, sheet_path):
    write_sheet(sheet_path, [GOOD_ROW, dict(GOOD_ROW)])
    first = tick(instance, sheet_path)
    assert len(first.run_requests) == 1
    rows = read_sheet(sheet_path)
    assert rows[1]["status"] == f"rejected: duplicate of item {rows[0]['item_id']}"
    rows.append({k: v for k, v in GOOD_ROW.items()})
    write_sheet(sheet_path, rows)
    later = tick(instance, sheet_path, cursor=first.cursor)
    assert later.run_requests == [] and read_sheet(sheet_path)[2]["status"].startswith("rejected: duplicate")


def test_a_deleted_key_is_never_reused(instance, sheet_path):
    write_sheet(sheet_path, [GOOD_ROW])
    key = tick(instance, sheet_path).run_requests[0].partition_key
    instance.delete_dynamic_partition(content_items.name, key)
    instance.report_runless_asset_event(AssetMaterialization(asset_key="idea", partition=key))
    write_sheet(sheet_path, [GOOD_ROW])
    assert tick(instance, sheet_path).run_requests == []


def test_an_unreadable_sheet_fails_the_tick_and_keeps_the_cursor(instance, tmp_path):
    with pytest.raises(Exception, match="does not exist"):
        tick(instance, tmp_path / "missing.csv", cursor=json.dumps({"rows": 3}))


def test_with_review_required_the_runs_stop_at_the_rendered_video(instance, sheet_path):
    write_sheet(sheet_path, [GOOD_ROW])
    assert tick(instance, sheet_path).run_requests[0].job_name == "content_pipeline"
    write_sheet(sheet_path, [SECOND])
    assert tick(instance, sheet_path, review_required=True).run_requests[0].job_name == "produce_content"


def test_a_row_that_pins_its_time_stops_at_its_video_without_review_and_a_bad_pin_is_rejected(instance, sheet_path):
    """Without review or slots an item goes straight through, unless its row pins when it goes out: then
    the publishing calendar keeps it until that time."""
    columns = [*GOOD_ROW, "item_id", "status", "publish_at"]
    rows = [{**GOOD_ROW, "topic": topic, "publish_at": pin} for topic, pin in
            (("bees", ""), ("wasps", "2030-03-05 08:30"), ("ants", "next tuesday"))]
    write_sheet(sheet_path, rows, columns=[*columns, "error", "video_path", "post_url", "updated_at", "notes"])
    jobs = {request.tags["shorts/row"]: request.job_name for request in tick(instance, sheet_path).run_requests}
    assert jobs == {"1": "content_pipeline", "2": "produce_content"}
    assert read_sheet(sheet_path)[2]["status"].startswith("rejected: publish_at 'next tuesday' is not a date and time")


def test_proposals_wait_for_a_person_and_are_read_again_until_ready(instance, sheet_path):
    write_sheet(sheet_path, [{**GOOD_ROW, "status": "proposed"}, {**SECOND, "status": "queued"}])
    first = tick(instance, sheet_path)
    assert first.run_requests == [] and json.loads(first.cursor) == {"rows": 2, "pending": [1]}
    still = tick(instance, sheet_path, cursor=first.cursor)
    assert still.run_requests == [] and json.loads(still.cursor)["pending"] == [1]
    rows = read_sheet(sheet_path)
    rows[0]["status"] = "ready"
    write_sheet(sheet_path, rows)
    ready = tick(instance, sheet_path, cursor=still.cursor)
    assert [r.partition_key.split("-")[0] for r in ready.run_requests] == ["honeybees"]
    assert json.loads(ready.cursor) == {"rows": 2, "pending": []}
    assert read_sheet(sheet_path)[0]["status"] == "queued"


def test_the_sheet_sync_publishes_approved_videos_once(instance, sheet_path, tmp_path):
    write_sheet(sheet_path, [{**GOOD_ROW, "item_id": "bees-1", "status": "approved"},
                             {**SECOND, "item_id": "ants-1", "status": "awaiting review"},
                             {**SECOND, "item_id": "early-1", "status": "Approved "}])  # before its video exists
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path))
    for item in ("bees-1", "ants-1"):
        store.open().put_json(keys.record(rendered_video.key, item), {"record": {"video": {"key": f"v/{item}.mp4"}}})
    resources = {"sheet": CsvSheet(path=str(sheet_path)), "store": store, "policy": Policy(review_required=True)}
    with build_sensor_context(instance=instance, resources=resources) as context:
        requests = sheet_sync(context).run_requests
    assert [(r.partition_key, r.run_key.startswith("publish:bees-1:")) for r in requests] == [("bees-1", True)]
    assert [r["status"] for r in read_sheet(sheet_path)] == ["publishing", "awaiting review", "Approved "]
    # Until the publish run shows up in the instance, the row keeps saying publishing.
    with build_sensor_context(instance=instance, resources=resources) as context:
        assert sheet_sync(context).skip_reason


def test_a_settled_row_is_looked_at_again_only_when_its_item_runs(instance, sheet_path, tmp_path):
    write_sheet(sheet_path, [{**GOOD_ROW, "item_id": "bees-1", "status": "published"}])
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path))
    store.open().put_json(keys.record(retracted_post.key, "bees-1"), {"record": {"failures": []}})
    resources = {"sheet": CsvSheet(path=str(sheet_path)), "store": store, "policy": Policy(review_required=True)}
    with build_sensor_context(instance=instance, resources=resources, cursor=str(time.time())) as context:
        synced = sheet_sync(context)
        assert synced.skip_reason  # no run since: the store is not asked
    assert read_sheet(sheet_path)[0]["status"] == "published"
    instance.add_run(DagsterRun(job_name="retract_content", run_id=str(uuid.uuid4()), status=DagsterRunStatus.SUCCESS,
                                tags={"dagster/partition": "bees-1"}))
    with build_sensor_context(instance=instance, resources=resources, cursor=synced.cursor) as context:
        sheet_sync(context)
    assert read_sheet(sheet_path)[0]["status"] == "retracted"
