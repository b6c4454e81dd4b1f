"""The review queue the sheet sync keeps: which items it lists, in what order, with what, and when it
is materialized again (the daemon is not needed: a tick is the sensor called with a context)."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import AssetMaterialization, DagsterInstance, build_sensor_context

from shorts_assets import keys
from shorts_assets.assets.script import script
from shorts_assets.assets.video import rendered_video
from shorts_assets.automation import review_queue
from shorts_assets.automation.sheet_sync import sheet_sync
from shorts_assets.models import MediaFile, RenderedVideo, Scene, Script
from shorts_assets.policy import Policy
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets.store import Link, LocalStore, StoreIOManager, StoreResource
from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, write_sheet

COLUMNS = [*GOOD_ROW, "item_id", "status", "error", "video_path", "post_url", "updated_at", "languages", "notes"]


class Factory:
    """A sheet, a local store and an instance, and the sheet sync's ticks over them."""

    def __init__(self, tmp_path: Path, rows: list[dict[str, str]], review_required: bool = True):
        self.tmp = tmp_path
        self.sheet = CsvSheet(path=str(write_sheet(tmp_path / "sheet.csv", rows, COLUMNS)))
        self.store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path / "cache"))
        self.policy = Policy(review_required=review_required)
        self.instance = DagsterInstance.ephemeral()
        self.cursor: str | None = None

    def render(self, item: str, title: str, duration_s: float = 21.5) -> bytes:
        """What a production run leaves: the rendered_video record and its media, the script's record
        and the materialization event. Returns the preview's bytes."""
        folder = self.tmp / "made" / item
        folder.mkdir(parents=True)
        files = {}
        for name, mime in (("video.mp4", "video/mp4"), ("thumbnail.jpg", "image/jpeg"),
                           ("captions.ass", "text/x-ssa"), ("preview.jpg", "image/jpeg")):
            (folder / name).write_bytes(f"{item} {name}".encode())
            files[name] = MediaFile(name=name, mime=mime, path=folder / name)
        video = RenderedVideo(item_id=item, video=files["video.mp4"], thumbnail=files["thumbnail.jpg"],
                              captions=files["captions.ass"], preview=files["preview.jpg"], duration_s=duration_s,
                              width=270, height=480, fps=30.0, render_seconds=1.0, attributes={})
        written = Script(item_id=item, title=title, hook="Did you know?", description="d", writer="test",
                         beats=[Scene(narration="Bees.", visual="bees")])
        saver = StoreIOManager(store=self.store)
        saver.save(rendered_video.key, item, video)
        saver.save(script.key, item, written)
        self.instance.report_runless_asset_event(AssetMaterialization(rendered_video.key, partition=item))
        return (folder / "preview.jpg").read_bytes()

    def set_status(self, item: str, status: str) -> None:
        rows = read_sheet(Path(self.sheet.path))
        for row in rows:
            if row["item_id"] == item:
                row["status"] = status
        write_sheet(Path(self.sheet.path), rows, COLUMNS)

    def tick(self) -> list[AssetMaterialization]:
        """One sheet-sync tick; the review queue materializations it reports."""
        resources = {"sheet": self.sheet, "store": self.store, "policy": self.policy}
        with build_sensor_context(instance=self.instance, resources=resources, cursor=self.cursor) as context:
            result = sheet_sync(context)
        self.cursor = result.cursor
        return result.asset_events


def awaiting(item: str, **values) -> dict[str, str]:
    return {**GOOD_ROW, "topic": item, "item_id": item, "status": "awaiting review", **values}


def order(text: str, items: list[str]) -> list[str]:
    return sorted(items, key=lambda item: text.index(f"`{item}`"))


def test_the_queue_lists_every_item_awaiting_review_newest_first_and_is_made_again_only_when_it_changes(tmp_path):
    factory = Factory(tmp_path, [awaiting("bees-1"), awaiting("ants-1"), awaiting("wasps-1", status="approved"),
                                 awaiting("moths-1", languages="en, es", status="en: awaiting review · es: failed")])
    titles = [("bees-1", "Why bees dance"), ("wasps-1", "Wasps"), ("ants-1", "Ant | farmers"), ("moths-1-en", "Moths")]
    previews = {item: factory.render(item, title) for item, title in titles}

    [shown] = factory.tick()
    text = shown.metadata["queue"].value
    assert shown.asset_key == review_queue.review_queue.key and shown.metadata["awaiting"].value == 3
    assert order(text, ["bees-1", "ants-1", "moths-1-en"]) == ["moths-1-en", "ants-1", "bees-1"]
    assert "wasps-1" not in text  # approved: no longer waiting
    opened = factory.store.open()
    for item in ("bees-1", "ants-1", "moths-1-en"):
        alt = item.replace("-", "\\-")  # escaped: nothing in it can end the image
        assert f"![thumbnail of {alt}](data:image/jpeg;base64,{base64.b64encode(previews[item]).decode()})" in text
        assert f"`{opened.path(keys.media(rendered_video.key, item, 'video.mp4'))}`" in text  # a path to paste
        assert f"[open](/assets/rendered_video?view=partitions&partition={item})" in text
    assert "| Why bees dance |" in text and "| Ant \\| farmers |" in text and "| 21.5 s |" in text
    assert "links_expire" not in shown.metadata and "stops working" not in text

    assert factory.tick() == []  # nothing changed: nothing new on the asset's page
    factory.set_status("bees-1", "approved")
    [shown] = factory.tick()
    assert shown.metadata["awaiting"].value == 2 and "bees-1" not in shown.metadata["queue"].value
    factory.instance.report_runless_asset_event(AssetMaterialization(rendered_video.key, partition="ants-1"))
    [shown] = factory.tick()  # rendered again: newest now
    assert order(shown.metadata["queue"].value, ["ants-1", "moths-1-en"]) == ["ants-1", "moths-1-en"]
    assert factory.tick() == []


def test_a_cursor_from_before_the_queue_still_reads(tmp_path):
    factory = Factory(tmp_path, [awaiting("bees-1")])
    factory.render("bees-1", "Bees")
    factory.cursor = str(time.time())  # what the sheet sync kept before: the time its last tick started
    [shown] = factory.tick()
    assert "`bees-1`" in shown.metadata["queue"].value
    assert set(json.loads(factory.cursor)) == {"since", "review_queue"}


def test_with_review_off_the_queue_says_so_once(tmp_path):
    factory = Factory(tmp_path, [awaiting("bees-1", status="rendered")], review_required=False)
    factory.render("bees-1", "Bees")
    [shown] = factory.tick()
    assert shown.metadata["queue"].value == review_queue.REVIEW_OFF and shown.metadata["awaiting"].value == 0
    assert factory.tick() == []


class SignedStore(LocalStore):
    """A local store whose links expire as presigned S3 links do, made at `now`."""

    now = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
    lifetime = timedelta(hours=24)

    def link(self, key: str) -> Link:
        return Link(f"https://bucket.example/{key}?X-Amz-Expires=86400&at={self.now:%H%M}", self.now + self.lifetime)


def test_the_queue_is_made_again_with_fresh_links_when_they_are_past_half_their_lifetime(tmp_path):
    factory = Factory(tmp_path, [awaiting("bees-1")])
    factory.render("bees-1", "Bees")
    store, instance, cache = SignedStore(tmp_path / "store"), factory.instance, tmp_path / "cache"
    statuses = {"bees-1": "awaiting review"}

    shown, cursor = review_queue.tick(statuses, True, instance, store, cache, {}, store.now)
    text = shown.metadata["queue"].value
    assert ("**▶ [Play](https://bucket.example/rendered_video/bees-1/video.mp4?X-Amz-Expires=86400&at=0900)** "
            "(valid until 2030-03-05 09:00 UTC)") in text
    assert "The first video link stops working 2030-03-05 09:00 UTC (SHORTS_LINK_HOURS)" in text
    assert shown.metadata["links_expire"].value == (store.now + store.lifetime).timestamp()

    store.now += timedelta(hours=11, minutes=59)
    assert review_queue.tick(statuses, True, instance, store, cache, cursor, store.now) == (None, cursor)
    store.now += timedelta(minutes=1)  # half of the 24 hours
    shown, cursor = review_queue.tick(statuses, True, instance, store, cache, cursor, store.now)
    assert "at=2100" in shown.metadata["queue"].value and cursor["refresh_at"] == "2030-03-05T09:00:00+00:00"


def test_a_long_queue_shows_the_newest_and_counts_the_rest_and_a_bad_record_is_one_row_saying_why(tmp_path,
                                                                                                   monkeypatch):
    items = ["bees-1", "ants-1", "wasps-1", "moths-1"]
    factory = Factory(tmp_path, [awaiting(item) for item in items])
    for item in items[:3]:
        factory.render(item, item.title())
    unknown = {"model": "Video", "record": {"video": {"key": "v.mp4"}}}  # made by a later version, say
    factory.store.open().put_json(keys.record(rendered_video.key, "moths-1"), unknown)
    factory.instance.report_runless_asset_event(AssetMaterialization(rendered_video.key, partition="moths-1"))
    monkeypatch.setattr(review_queue, "SHOWN", 3)

    [shown] = factory.tick()
    text = shown.metadata["queue"].value
    assert shown.metadata["awaiting"].value == 4 and "and 1 more awaiting review (older)." in text
    assert "bees-1" not in text  # the oldest render
    said = text.replace("\\", "")  # what a reader sees of the escaped text
    assert "cannot show it: " in said and "unknown record type 'Video'" in said and "`moths-1`" in text
    assert order(text, ["moths-1", "wasps-1", "ants-1"]) == ["moths-1", "wasps-1", "ants-1"]
