"""Retraction: an item produced on the sandbox and on the YouTube fake, then taken down again."""

import json
import time
from datetime import UTC, datetime

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    build_sensor_context,
    materialize,
)

from shorts_assets import keys
from shorts_assets.assets.post import publish_once, published_post
from shorts_assets.assets.retraction import retract_everywhere, retracted_post
from shorts_assets.automation.sheet_sync import sheet_sync
from shorts_assets.definitions import build_definitions
from shorts_assets.models import Post, PublishedPost, RetractedPost
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets.providers import PermanentError, TransientError
from shorts_assets.providers.channels import Platforms
from shorts_assets.providers.instagram import InstagramReels
from shorts_assets.providers.platforms import SandboxChannel
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets.providers.tiktok import TikTokChannel
from shorts_assets.store import LocalStore, StoreIOManager, StoreResource
from shorts_assets_tests.conftest import GOOD_ROW, platform_upload, read_sheet, small_settings, sync_sheet, write_sheet
from shorts_assets_tests.fakes.youtube_api import FakeYouTube

ITEM = "bees-retract"
DELETES = ("DELETE", "/youtube/v3/videos")


def retract(defs, instance):
    return defs.resolve_job_def("retract_content").execute_in_process(partition_key=ITEM, instance=instance)


@pytest.fixture(scope="module")
def retracted(tmp_path_factory):
    """One short item published on the sandbox and the YouTube fake, then retracted once."""
    home = tmp_path_factory.mktemp("home")
    write_sheet(home / "content_sheet.csv", [{**GOOD_ROW, "target_seconds": "10", "item_id": ITEM,
                                              "status": "queued"}])
    with FakeYouTube() as youtube:
        youtube.authorized_user_file(home / "yt.json")
        defs = build_definitions(small_settings({
            "SHORTS_HOME": str(home), "SHORTS_PLATFORMS": "sandbox,youtube", "SHORTS_REVIEW": "auto",
            "YOUTUBE_AUTHORIZED_USER_FILE": str(home / "yt.json"), "YOUTUBE_API_ROOT": f"{youtube.url}/"}))
        instance = DagsterInstance.ephemeral()
        instance.add_dynamic_partitions(content_items.name, [ITEM])
        produced = defs.resolve_job_def("content_pipeline").execute_in_process(partition_key=ITEM, instance=instance)
        assert produced.success
        assert len(youtube.videos) == 1 and len(list((home / "sandbox_channel").iterdir())) == 1
        sync_sheet(defs, instance)  # the row says published, settled until the item runs again
        result = retract(defs, instance)  # launched from the UI, say
        sync_sheet(defs, instance)  # the next tick sees the item ran
        yield home, defs, instance, youtube, result


def test_the_item_is_gone_from_the_sandbox_channel_and_youtube_was_asked_to_delete_it(retracted):
    home, _, _, youtube, result = retracted
    assert result.success
    assert list((home / "sandbox_channel").iterdir()) == []
    [delete] = youtube.calls(*DELETES)
    assert youtube.videos == {} and delete.query["id"] == [youtube.uploads[0].video_id]


def test_a_record_from_before_retractions_had_a_reason_loads():
    old = {"item_id": ITEM, "retracted": [], "retracted_at": "2030-01-01T10:00:00+00:00", "failures": []}
    assert RetractedPost.model_validate(old).reason == ""


def test_the_ledger_and_the_record_say_retracted(retracted):
    home, *_ = retracted
    store = LocalStore(home / "store")
    entries = {p: store.read_json(keys.post_ledger(published_post.key, ITEM, p)) for p in ("sandbox", "youtube")}
    assert all(entry["retracted_at"] and entry["post_id"] for entry in entries.values())
    record = store.read_json(f"retracted_post/{ITEM}/record.json")
    assert record["model"] == "RetractedPost"
    assert [p["platform"] for p in record["record"]["retracted"]] == ["sandbox", "youtube"]
    assert record["record"]["failures"] == []
    when = datetime.fromisoformat(record["record"]["retracted_at"])
    assert when == max(datetime.fromisoformat(e["retracted_at"]) for e in entries.values())


def test_the_history_stays_in_dagster_and_in_the_store(retracted):
    home, _, instance, _, _ = retracted
    assert ITEM in instance.get_materialized_partitions(AssetKey("published_post"))
    assert instance.fetch_materializations(AssetKey("published_post"), limit=5).records
    assert ITEM in instance.get_materialized_partitions(AssetKey("retracted_post"))
    assert (home / "store" / "published_post" / ITEM / "record.json").is_file()


def test_retracting_again_deletes_nothing_more_and_records_the_same(retracted):
    home, defs, instance, youtube, _ = retracted
    record = home / "store" / "retracted_post" / ITEM / "record.json"
    before = json.loads(record.read_text())
    assert retract(defs, instance).success
    assert len(youtube.calls(*DELETES)) == 1
    assert json.loads(record.read_text()) == before


def test_publishing_a_retracted_item_again_uploads_nothing(retracted):
    home, defs, instance, youtube, _ = retracted
    again = defs.resolve_job_def("content_pipeline").execute_in_process(
        partition_key=ITEM, instance=instance, asset_selection=[AssetKey("published_post")], raise_on_error=False)
    assert not again.success
    [failure] = again.get_step_failure_events()
    assert "retracted" in failure.step_failure_data.user_failure_data.description
    assert len(youtube.uploads) == 1 and list((home / "sandbox_channel").iterdir()) == []


def test_the_row_says_retracted_when_the_run_ends(retracted):
    home, *_ = retracted
    row = read_sheet(home / "content_sheet.csv")[0]
    assert row["status"] == "retracted" and row["error"] == ""


# -- a platform that cannot delete ---------------------------------------------------------------


def test_a_platform_without_delete_is_reported_and_the_others_still_retract(tmp_path):
    """published_post's record and ledger as a run leaves them; then retracted_post alone."""
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path / "cache"))
    sandbox = SandboxChannel(root=str(tmp_path / "channel"))
    tiktok = TikTokChannel(access_token="never-sent")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"video")
    posts = [publish_once(sandbox, platform_upload(video, tmp_path), store.open()),
             Post(platform="tiktok", post_id="7301", url="https://www.tiktok.com/@bees/video/7301",
                  published_at=datetime.now(UTC))]
    store.open().put_json(keys.post_ledger(published_post.key, "bees-1", "tiktok"), posts[1].model_dump(mode="json"))
    record = PublishedPost(item_id="bees-1", posts=posts)
    store.open().put_json(keys.record(published_post.key, "bees-1"),
                          {"model": "PublishedPost", "record": record.model_dump(mode="json")})
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, ["bees-1"])

    upstream = AssetSpec(published_post.key, partitions_def=content_items)
    result = materialize([upstream, retracted_post], partition_key="bees-1", instance=instance, resources={
        "platforms": Platforms(order=["sandbox", "tiktok"], sandbox=sandbox, tiktok=tiktok),
        "store": store, "io_manager": StoreIOManager(store=store)},
        run_config={"ops": {"retracted_post": {"config": {"reason": "wrong  facts\n"}}}})

    assert result.success
    retraction = result.output_for_node("retracted_post")
    [shown] = result.asset_materializations_for_node("retracted_post")
    assert retraction.reason == shown.metadata["reason"].value == "wrong facts"
    assert [p.platform for p in retraction.retracted] == ["sandbox"]
    assert retraction.failures == ["tiktok: TikTok's API cannot delete a post: delete video 7301 in the TikTok app "
                                   "(https://www.tiktok.com/@bees/video/7301)"]
    assert list((tmp_path / "channel").iterdir()) == []
    assert "retracted_at" not in store.open().read_json(keys.post_ledger(published_post.key, "bees-1", "tiktok"))


# -- the partial-failure rule, without Dagster ---------------------------------------------------


class Deleter:
    def __init__(self, name, failures=()):
        self.name, self.failures, self.deletes = name, list(failures), 0

    def retract(self, post):
        if self.failures:
            raise self.failures.pop(0)
        self.deletes += 1


class Enabled:
    """What retract_everywhere asks of Platforms: the platform a post is on."""

    def __init__(self, *platforms):
        self.platforms = {p.name: p for p in platforms}

    def get(self, name):
        return self.platforms[name]


def published(*names) -> PublishedPost:
    return PublishedPost(item_id="bees-1", posts=[
        Post(platform=n, post_id=f"{n}-1", url=f"https://{n}/1", published_at=datetime.now(UTC)) for n in names])


def test_a_passing_failure_retries_only_what_is_still_up(tmp_path):
    store = LocalStore(tmp_path / "store")
    good, flaky = Deleter("good"), Deleter("flaky", [TransientError("503", retry_after=9)])
    with pytest.raises(TransientError, match="flaky: 503") as raised:
        retract_everywhere(Enabled(good, flaky), published("good", "flaky"), store)
    assert raised.value.retry_after == 9
    record = retract_everywhere(Enabled(good, flaky), published("good", "flaky"), store)
    assert [p.platform for p in record.retracted] == ["good", "flaky"] and record.failures == []
    assert (good.deletes, flaky.deletes) == (1, 1)


def test_an_unknown_fault_is_retried_and_a_platform_no_longer_enabled_is_reported(tmp_path):
    store = LocalStore(tmp_path / "store")
    with pytest.raises(TransientError, match="good: disk"):
        retract_everywhere(Enabled(Deleter("good", [OSError("disk")])), published("good"), store)
    record = retract_everywhere(Enabled(Deleter("good")), published("good", "gone"), store)
    assert [p.platform for p in record.retracted] == ["good"]
    assert record.failures == ["gone: gone is not enabled (SHORTS_PLATFORMS): enable it to retract the post "
                               "there, or delete it by hand"]


def test_nothing_retracted_is_stamped_with_the_attempt(tmp_path):
    before = datetime.now(UTC)
    record = retract_everywhere(Enabled(Deleter("bad", [PermanentError("no")])), published("bad"),
                                LocalStore(tmp_path / "store"))
    assert record.retracted == [] and record.failures == ["bad: no"] and record.retracted_at >= before


# -- the providers' retract ------------------------------------------------------------------------


def test_the_sandbox_removes_the_post_folder_once_and_stays_inside_its_root(tmp_path):
    channel = SandboxChannel(root=str(tmp_path / "channel"))
    video = tmp_path / "v.mp4"
    video.write_bytes(b"video")
    post = channel.publish(platform_upload(video, tmp_path))
    channel.retract(post)
    channel.retract(post)
    assert list((tmp_path / "channel").iterdir()) == []
    for bad in ("..", "../channel", "/tmp", ""):
        with pytest.raises(ValueError, match="not a sandbox post id"):
            channel.retract(post.model_copy(update={"post_id": bad}))
    assert tmp_path.is_dir()


def test_tiktok_and_instagram_say_a_person_must_delete(tmp_path):
    post = Post(platform="x", post_id="42", url="https://example.com/42", published_at=datetime.now(UTC))
    with pytest.raises(PermanentError, match="TikTok's API cannot delete a post: delete video 42 in the TikTok app"):
        TikTokChannel(access_token="t").retract(post)
    with pytest.raises(PermanentError, match="Instagram's API cannot delete a post: delete reel 42"):
        InstagramReels(access_token="t", ig_user_id="1").retract(post)


# -- the sheet sync ------------------------------------------------------------------------------


def test_a_retract_row_becomes_a_run_and_says_retracting(tmp_path):
    sheet = tmp_path / "content_sheet.csv"
    write_sheet(sheet, [
        {**GOOD_ROW, "item_id": ITEM, "status": "retract", "updated_at": "2030-01-01 10:00:00Z"},
        {**GOOD_ROW, "item_id": "never-made", "status": " Retract "},
        {**GOOD_ROW, "status": "retract"},
        {**GOOD_ROW, "item_id": "other", "status": "published"},
    ])
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(content_items.name, [ITEM, "never-made"])
        instance.report_runless_asset_event(AssetMaterialization(asset_key="published_post", partition=ITEM))
        resources = {"sheet": CsvSheet(path=str(sheet)), "policy": Policy(review_required=False),
                     "store": StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path))}
        with build_sensor_context(instance=instance, resources=resources) as context:
            [request] = sheet_sync(context).run_requests
        assert request.partition_key == ITEM and request.run_key == f"retract:{ITEM}:2030-01-01 10:00:00Z"
        rows = read_sheet(sheet)
        assert [r["status"] for r in rows] == [
            "retracting", "rejected: nothing to retract, item never-made was never published",
            "rejected: retract needs the item_id of the item to take down", "published"]
        with build_sensor_context(instance=instance, resources=resources) as context:
            assert sheet_sync(context).skip_reason


def test_a_retraction_launched_from_the_ui_is_followed_to_its_end(tmp_path):
    """The row shows the run under way (`retracting`, as a row the sync asked a run for says), then
    what it came to: it does not wait for a newer run that nobody asked for."""
    sheet = write_sheet(tmp_path / "content_sheet.csv", [{**GOOD_ROW, "item_id": ITEM, "status": "published"}])
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(content_items.name, [ITEM])
        run = instance.add_run(DagsterRun(job_name="retract_content", status=DagsterRunStatus.STARTED,
                                          tags={"dagster/partition": ITEM}))
        time.sleep(1.1)  # the sync sees it in a later second than it started: storage keeps whole seconds
        resources = {"sheet": CsvSheet(path=str(sheet)), "policy": Policy(review_required=False),
                     "store": StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path))}
        with build_sensor_context(instance=instance, resources=resources) as context:
            sheet_sync(context)
        assert read_sheet(sheet)[0]["status"] == "retracting"
        instance.report_run_failed(run, "the platform said no")
        with build_sensor_context(instance=instance, resources=resources) as context:
            sheet_sync(context)
        assert read_sheet(sheet)[0]["status"] == "failed"
