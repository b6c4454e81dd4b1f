"""One content item through the whole job, in process, on the offline providers.

The first item is made in the production format, through the blocking check: a full-size
spec test. The S3 item renders small, as the other tests do."""

import base64
import hashlib
import json
import re
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from dagster import AssetKey, DagsterInstance

from shorts_assets.assets.narration import NARRATION
from shorts_assets.assets.video import rendered_video
from shorts_assets.config import Settings
from shorts_assets.definitions import build_definitions
from shorts_assets.media.probe import probe
from shorts_assets.partitions import content_items
from shorts_assets.spec import video_problems
from shorts_assets.store import LocalStore, load_record
from shorts_assets_tests.conftest import GOOD_ROW, SMALL, read_sheet, small_settings, sync_sheet, write_sheet

ITEM = "bees-test"
MEDIA_SUFFIXES = {".json", ".wav", ".mp4", ".jpg", ".ass"}


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    """Materialize one partition once, in the production format; the tests below read what it left behind."""
    home = tmp_path_factory.mktemp("home")
    write_sheet(home / "content_sheet.csv", [{**GOOD_ROW, "music": "ambient", "item_id": ITEM, "status": "queued"}])
    defs = build_definitions(Settings.from_env({"SHORTS_HOME": str(home)}))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    job = defs.resolve_job_def("content_pipeline")
    result = job.execute_in_process(partition_key=ITEM, instance=instance, raise_on_error=False)
    return home, defs, instance, result


def test_every_asset_materializes_and_the_gate_passes(produced):
    _, _, _, result = produced
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    materialized = {m.asset_key.path[0] for m in result.asset_materializations_for_node("rendered_video")} | {
        e.asset_key.path[0] for e in result.get_asset_materialization_events() if e.asset_key}
    assert materialized == {"idea", "script", "narration", "clips", "rendered_video", "published_post"}
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [("rendered_video_meets_spec", True)], \
        [c.description for c in checks]


def test_the_video_is_a_delivery_ready_short(produced):
    home, *_ = produced
    video = home / "store" / "rendered_video" / ITEM / "video.mp4"
    info = probe(video)
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (1080, 1920, "h264", "aac")
    assert info.duration_s <= 60 and (video.parent / "thumbnail.jpg").stat().st_size > 0


def test_the_gate_measures_against_the_configured_format(produced):
    home, *_ = produced
    store = LocalStore(home / "store")
    video = load_record(store, rendered_video.key, ITEM)
    for media in (video.video, video.thumbnail, video.captions):
        media.path = store.path(media.key)
    narration_s = load_record(store, NARRATION, ITEM).duration_s
    problems, _ = video_problems(video, narration_s, SMALL)
    assert problems == ["size is 1080x1920, not 270x480", "thumbnail is not 270x480"]


def test_the_store_holds_only_json_records_and_media(produced):
    home, *_ = produced
    files = [p for p in (home / "store").rglob("*") if p.is_file()]
    assert {p.suffix for p in files} <= MEDIA_SUFFIXES
    assert not any(b"\x80\x04\x95" in p.read_bytes()[:3] for p in files)  # no pickle protocol headers
    assert (home / "store" / "published_post" / ITEM / "posts" / "sandbox.json").is_file()


def test_the_post_is_in_the_sandbox_channel(produced):
    home, *_ = produced
    posts = list((home / "sandbox_channel").iterdir())
    assert len(posts) == 1 and (posts[0] / "video.mp4").is_file() and (posts[0] / "post.json").is_file()


def test_republishing_makes_no_second_post(produced):
    home, defs, instance, _ = produced
    channel = home / "sandbox_channel"
    before = {p.name: (p / "post.json").stat().st_mtime_ns for p in channel.iterdir()}
    job = defs.resolve_job_def("content_pipeline")
    again = job.execute_in_process(partition_key=ITEM, instance=instance,
                                   asset_selection=[AssetKey("published_post")])
    assert again.success
    assert {p.name: (p / "post.json").stat().st_mtime_ns for p in channel.iterdir()} == before


def test_status_is_written_back_when_the_run_ends(produced):
    home, defs, instance, result = produced
    sync_sheet(defs, instance)
    row = read_sheet(home / "content_sheet.csv")[0]
    assert row["status"] == "published" and row["error"] == ""
    assert row["video_path"].endswith(f"rendered_video/{ITEM}/video.mp4")
    assert row["post_url"].startswith("file://")


def test_a_failed_run_writes_the_reason_to_its_row(produced, tmp_path):
    home, defs, _, _ = produced
    sheet = home / "content_sheet.csv"
    rows = read_sheet(sheet)
    write_sheet(sheet, [*rows, {"topic": "gone", "facts": "x", "item_id": "gone-item", "status": "queued"}])
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, ["gone-item"])
    write_sheet(sheet, rows)  # the row disappears before the run reads it
    result = defs.resolve_job_def("content_pipeline").execute_in_process(
        partition_key="gone-item", instance=instance, raise_on_error=False)
    assert not result.success
    write_sheet(sheet, [*rows, {"topic": "gone", "facts": "x", "item_id": "gone-item", "status": "queued"}])
    sync_sheet(defs, instance)
    row = read_sheet(sheet)[-1]
    assert row["status"] == "failed"
    assert row["error"] == "idea: no row in the content sheet has item_id gone-item"
    assert Path(home / "store" / "idea" / "gone-item").exists() is False


def test_the_whole_item_materializes_with_the_store_on_s3(s3_bucket, tmp_path):
    client, bucket = s3_bucket
    write_sheet(tmp_path / "content_sheet.csv", [{**GOOD_ROW, "item_id": ITEM, "status": "queued"}])
    defs = build_definitions(small_settings({
        "SHORTS_HOME": str(tmp_path), "SHORTS_STORE": f"s3://{bucket}/factory",
        "S3_ENDPOINT_URL": client.meta.endpoint_url, "SHORTS_LINK_HOURS": "2"}))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    result = defs.resolve_job_def("content_pipeline").execute_in_process(partition_key=ITEM, instance=instance)
    assert result.success
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="factory/")["Contents"]}
    assert {f"factory/rendered_video/{ITEM}/video.mp4", f"factory/published_post/{ITEM}/record.json",
            f"factory/narration/{ITEM}/narration.wav"} <= keys
    assert {Path(k).suffix for k in keys} <= MEDIA_SUFFIXES
    assert not (tmp_path / "store").exists()
    assert list((tmp_path / "cache").rglob("narration.wav"))  # downstream steps read local copies

    # the review page's link: presigned for SHORTS_LINK_HOURS, it downloads the stored bytes with no credentials
    metadata = latest_metadata(instance, rendered_video.key)
    url, expires = metadata["video"].value, metadata["video_link_expires"].value
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["7200"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(signed_at.timestamp() + 7200 - expires) <= 2
    assert f"[Play the video]({url})" in metadata["preview"].value
    with urllib.request.urlopen(url, timeout=30) as response:
        data = response.read()
    video = json.loads(client.get_object(Bucket=bucket, Key=f"factory/rendered_video/{ITEM}/record.json")["Body"]
                       .read())["record"]["video"]
    assert hashlib.sha256(data).hexdigest() == video["sha256"]


def test_the_video_s_review_page_shows_it(produced):
    """What the UI shows a reviewer: pictures that decode, a path that plays the stored video, the spec
    and the cost, the captions' words; the script as markdown."""
    home, _, instance, _ = produced
    metadata = latest_metadata(instance, rendered_video.key)
    page = metadata["preview"].value
    pictures = re.findall(r"!\[([^\]]*)\]\(data:image/jpeg;base64,([A-Za-z0-9+/=]+)\)", page)
    assert [alt for alt, _ in pictures] == ["thumbnail", "frames from across the video"]
    for _, data in pictures:
        assert base64.b64decode(data)[:3] == b"\xff\xd8\xff" and len(data) < 40_000  # a JPEG, kept small
    video = home / "store" / "rendered_video" / ITEM / "video.mp4"
    assert metadata["video"].value == str(video) and f"`{video}`" in page
    assert "**Spec check:** meets the delivery spec" in page
    assert metadata["spec_check"].value == "meets the delivery spec"
    assert metadata["cost_usd_so_far"].value == 0.0 and "**Cost so far:** $0.00" in page  # offline: free
    assert "Bees dance" in page.replace("\\", "")
    record = load_record(LocalStore(home / "store"), rendered_video.key, ITEM)
    assert record.preview.key == f"rendered_video/{ITEM}/preview.jpg" and record.frames.bytes > 0
    script_page = latest_metadata(instance, AssetKey("script"))["text"].value
    assert script_page.startswith("## ") and "_visual: " in script_page
    audio = latest_metadata(instance, NARRATION)["audio"].value
    assert audio == str(home / "store" / "narration" / ITEM / "narration.wav") and Path(audio).is_file()
    contact = latest_metadata(instance, AssetKey("clips"))["contact_sheet"].value
    assert contact.startswith("![every scene, in order](data:image/jpeg;base64,")


def latest_metadata(instance, asset: AssetKey) -> dict:
    event = instance.get_latest_materialization_event(asset)
    return event.asset_materialization.metadata
