"""The publishing calendar against a frozen clock: every evaluation is given its `now`, the runs it
asks for are read off its result, and a publishing run's outcome is written to the store as the
run would write it. The YouTube uploads go through the real client to the fake API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context

from shorts_assets import keys, slots
from shorts_assets.assets.post import publish_on_time, published_post
from shorts_assets.assets.strategy import content_strategy
from shorts_assets.assets.video import rendered_video
from shorts_assets.automation.jobs import produce_content, production_job
from shorts_assets.automation.publishing import evaluate, publishing_slots
from shorts_assets.automation.sheet_sync import sheet_sync
from shorts_assets.config import ConfigError, Settings, build_resources
from shorts_assets.policy import Policy
from shorts_assets.providers import Deferred
from shorts_assets.providers.channels import Platforms
from shorts_assets.providers.platforms import SandboxChannel
from shorts_assets.providers.sheets import STATUS_COLUMNS, CsvSheet
from shorts_assets.providers.youtube import YouTubeChannel
from shorts_assets.quota import reserve_post
from shorts_assets.rows import IDEA_COLUMNS
from shorts_assets_tests.conftest import GOOD_ROW, local_store, platform_upload, read_sheet, write_sheet
from shorts_assets_tests.fakes.youtube_api import FakeYouTube

BERLIN = ZoneInfo("Europe/Berlin")
DAILY = ["0 17 * * *"]
COLUMNS = [*IDEA_COLUMNS, *STATUS_COLUMNS, "publish_at"]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A frozen moment: day 0 is Monday 4 March 2030, in the channel's zone (Berlin, CET)."""
    return datetime(2030, 3, 4 + day, hour, minute, tzinfo=BERLIN)


class Calendar:
    """The sheet, the store and the sensor's cursor, evaluated at the moments a test names."""

    def __init__(self, folder, rows, slots=DAILY, ahead=("youtube",)):
        self.sheet = CsvSheet(path=str(write_sheet(folder / "sheet.csv", rows, COLUMNS)))
        self.store = local_store(folder)
        self.policy = Policy(review_required=True, publish_slots=list(slots), channel_timezone="Europe/Berlin")
        self.ahead, self.cursor = list(ahead), {}
        self.instance = DagsterInstance.ephemeral()
        for row in rows:  # every item's video exists
            self.store.open().put_json(keys.record(rendered_video.key, row["item_id"]),
                                       {"record": {"video": {"key": f"v/{row['item_id']}.mp4"}}})

    def tick(self, now: datetime):
        result = evaluate(self.sheet.rows(), self.store.open(), self.policy, self.ahead, self.cursor,
                          now.astimezone(UTC))
        self.cursor = json.loads(json.dumps(result.cursor))  # what the daemon keeps
        return result

    def runs(self, now: datetime) -> list[str]:
        return [":".join(request.run_key.split(":")[:2]) for request in self.tick(now).requests]

    def published(self, item: str) -> None:
        """What a successful publishing run leaves in the store."""
        self.store.open().put_json(keys.record(published_post.key, item), {"record": {
            "item_id": item, "posts": [{"platform": "youtube", "post_id": item, "url": f"https://yt/{item}",
                                        "published_at": "2030-03-04T16:00:00+00:00"}]}})

    def approve(self, *items: str, publish_at: str = "") -> None:
        rows = read_sheet(self.sheet.path)
        for row in rows:
            if row["item_id"] in items:
                row.update(status="approved", publish_at=publish_at or row.get("publish_at", ""))
        write_sheet(self.sheet.path, rows, COLUMNS)

    def sync(self) -> dict[str, tuple[str, str]]:
        """One sheet-sync tick; each row's status and error."""
        resources = {"sheet": self.sheet, "store": self.store, "policy": self.policy}
        with build_sensor_context(instance=self.instance, resources=resources) as context:
            sheet_sync(context)
        return {row["item_id"]: (row["status"], row["error"]) for row in read_sheet(self.sheet.path)}


def item(name: str, status: str = "awaiting review", publish_at: str = "") -> dict[str, str]:
    return {**GOOD_ROW, "topic": name, "item_id": name, "status": status, "publish_at": publish_at}


def test_three_approved_items_and_a_daily_slot_publish_one_a_day_in_approval_order(tmp_path):
    calendar = Calendar(tmp_path, [item("item-c"), item("item-b"), item("item-a")])
    calendar.approve("item-a")
    assert calendar.runs(at(0, 9)) == ["ahead:item-a"]  # YouTube gets it now, public at 17:00
    calendar.approve("item-c", "item-b")  # approved together: sheet order
    first = calendar.tick(at(0, 10))
    assert first.requests == []
    assert [(item, when) for item, when, _ in first.queue] == [
        ("item-a", "2030-03-04 17:00 CET"), ("item-c", "a later slot"), ("item-b", "a later slot"),
        ("", "2030-03-05 17:00 CET")]
    assert calendar.sync()["item-a"] == ("scheduled for 2030-03-04 17:00 CET", "")
    assert calendar.sync()["item-c"] == ("approved", "")

    published = []
    for day in range(3):
        result = calendar.tick(at(day, 17, 1))
        due = [r.partition_key for r in result.requests if r.run_key.startswith("slot:")]
        assert len(due) == 1
        published.append(due[0])
        calendar.published(due[0])
    assert published == ["item-a", "item-c", "item-b"]
    assert calendar.store.open().read_json(keys.slot("item-b"))["shown"] == "2030-03-06 17:00 CET"

    quiet = calendar.tick(at(3, 17, 1))
    assert quiet.requests == [] and "the slot at 2030-03-07 17:00 CET had nothing approved to publish" in quiet.said


def test_the_runs_have_run_keys_that_publish_a_slot_once(tmp_path):
    calendar = Calendar(tmp_path, [item("item-a", "approved")])
    ahead = calendar.tick(at(0, 9)).requests
    assert [(r.job_name, r.partition_key, r.run_key) for r in ahead] == [
        ("publish_content", "item-a", "ahead:item-a:2030-03-04T16:00:00+00:00")]
    assert calendar.tick(at(0, 12)).requests == []  # asked once
    due = calendar.tick(at(0, 17, 1)).requests
    assert [r.run_key for r in due] == ["slot:item-a:2030-03-04T16:00:00+00:00"]
    assert calendar.tick(at(0, 17, 2)).requests == []


def test_a_pinned_publish_at_jumps_the_queue_and_takes_its_slot(tmp_path):
    calendar = Calendar(tmp_path, [item("item-a", "approved"), item("item-b", "approved"),
                                   item("item-d", "approved", publish_at="2030-03-05 17:00")])
    assert sorted(calendar.runs(at(0, 9))) == ["ahead:item-a", "ahead:item-d"]
    published = []
    for day in range(3):
        due = [r.partition_key for r in calendar.tick(at(day, 17, 1)).requests if r.run_key.startswith("slot:")]
        published += due
        for name in due:
            calendar.published(name)
    assert published == ["item-a", "item-d", "item-b"]


def test_a_day_with_the_daemon_down_publishes_once_the_next_day_and_says_so(tmp_path):
    calendar = Calendar(tmp_path, [item(name, "approved") for name in ("item-a", "item-b", "item-c")])
    assert calendar.runs(at(0, 9)) == ["ahead:item-a"]
    back = calendar.tick(at(2, 10))  # down across Monday's and Tuesday's slots
    assert [":".join(r.run_key.split(":")[:2]) for r in back.requests] == ["slot:item-a", "ahead:item-b"]
    said = " ".join(back.said)
    assert "2 slots passed since the last look at 2030-03-04 09:00 CET" in said
    assert "one item goes out for them now, not one per slot" in said
    calendar.published("item-a")
    status, error = calendar.sync()["item-a"]
    assert status == "published" and error == (
        "published late: it was due at 2030-03-04 17:00 CET and went out at 2030-03-06 10:00 CET (2 slots passed "
        "since the last look at 2030-03-04 09:00 CET); missed slots get one item, not one each")
    assert calendar.sync()["item-b"] == ("scheduled for 2030-03-06 17:00 CET", "")
    assert calendar.runs(at(2, 17, 1)) == ["slot:item-b", "ahead:item-c"]  # then one a day again


def test_a_deferred_item_keeps_its_turn_without_holding_up_the_queue(tmp_path):
    """A quota defers the slot's post (the sheet sync resumes it when the window reopens); the
    calendar neither asks for it again nor lets it hold the next slot."""
    calendar = Calendar(tmp_path, [item("item-a", "approved"), item("item-b", "approved")])
    calendar.tick(at(0, 9))
    calendar.tick(at(0, 17, 1))
    rows = read_sheet(calendar.sheet.path)
    rows[0]["status"] = "deferred"
    write_sheet(calendar.sheet.path, rows, COLUMNS)
    assert calendar.runs(at(1, 17, 1)) == ["slot:item-b"]


def test_empty_slots_publish_on_approval_but_a_pinned_row_waits_for_its_time(tmp_path):
    calendar = Calendar(tmp_path, [item("item-a", "approved"), item("item-p", "approved", "2030-03-05 08:30")],
                        slots=[])
    resources = {"sheet": calendar.sheet, "store": calendar.store, "policy": calendar.policy}
    with build_sensor_context(instance=calendar.instance, resources=resources) as context:
        requests = sheet_sync(context).run_requests
    assert [r.partition_key for r in requests] == ["item-a"]  # as today
    assert calendar.runs(at(0, 9)) == ["ahead:item-p"]
    assert calendar.runs(at(1, 8, 31)) == ["slot:item-p"]


def test_a_bad_publish_at_is_a_clear_row_error_and_the_item_waits(tmp_path):
    calendar = Calendar(tmp_path, [item("item-a", "approved", "next tuesday"),
                                   item("item-b", "approved", "2030-03-05")])
    assert calendar.tick(at(0, 9)).requests == []
    rows = calendar.sync()
    assert rows["item-a"] == ("approved", "publish_at 'next tuesday' is not a date and time: write it as "
                              "2030-12-24 17:00 (the channel's time zone, Europe/Berlin) or with an offset, "
                              "such as 2030-12-24T17:00+01:00")
    assert rows["item-b"][1].startswith("publish_at '2030-03-05' has no time of day")


@pytest.mark.parametrize("value, wrong", [("0 25 * * *", "'0 25 * * *'"), ("0 17 * * *; every day", "'every day'"),
                                          ("auto; 0 9 * * *", "auto takes the hours")])
def test_a_bad_cron_stops_the_code_location_naming_the_variable(tmp_path, value, wrong):
    with pytest.raises(ConfigError, match="SHORTS_PUBLISH_SLOTS") as raised:
        build_resources(Settings.from_env({"SHORTS_HOME": str(tmp_path), "SHORTS_PUBLISH_SLOTS": value}))
    assert wrong in str(raised.value)


def test_slots_and_the_retired_youtube_setting_are_checked_at_load(tmp_path):
    youtube = {"SHORTS_HOME": str(tmp_path), "SHORTS_PLATFORMS": "youtube", "YOUTUBE_AUTHORIZED_USER_FILE": "x.json"}
    with pytest.raises(ConfigError, match="SHORTS_YOUTUBE_PUBLISH_AT is replaced by SHORTS_PUBLISH_SLOTS"):
        build_resources(Settings.from_env({**youtube, "SHORTS_YOUTUBE_PUBLISH_AT": "PT24H"}))
    with pytest.raises(ConfigError, match="SHORTS_PUBLISH_SLOTS needs SHORTS_YOUTUBE_PRIVACY=private"):
        build_resources(Settings.from_env({**youtube, "SHORTS_PUBLISH_SLOTS": "0 17 * * *",
                                           "SHORTS_YOUTUBE_PRIVACY": "public"}))
    policy = build_resources(Settings.from_env({**youtube, "SHORTS_PUBLISH_SLOTS": " 0 17 * * * ;30 9 * * 1-5"}))
    assert policy["policy"].publish_slots == ["0 17 * * *", "30 9 * * 1-5"]


@pytest.fixture
def youtube(tmp_path):
    with FakeYouTube() as fake:
        yield fake, YouTubeChannel(authorized_user_file=str(fake.authorized_user_file(tmp_path / "yt.json")),
                                   api_root=f"{fake.url}/", chunk_mb=0.25)


def test_youtube_gets_the_upload_early_with_publish_at_at_the_slot_and_the_others_at_the_slot(tmp_path, youtube):
    fake, channel = youtube
    sandbox = SandboxChannel(root=str(tmp_path / "sandbox"))
    video = tmp_path / "video.mp4"
    video.write_bytes(b"\0" * 300_000)
    upload, store = platform_upload(video, tmp_path), local_store(tmp_path).open()
    slot = at(0, 17).astimezone(UTC)

    assert publish_on_time([channel, sandbox], upload, store, slot, at(0, 9).astimezone(UTC)) is None
    [session] = fake.uploads
    assert session.metadata["status"]["publishAt"] == "2030-03-04T16:00:00Z"
    assert session.metadata["status"]["privacyStatus"] == "private"
    assert not (tmp_path / "sandbox").exists()  # nothing else before the slot

    posts = publish_on_time([channel, sandbox], upload, store, slot, at(0, 17, 1).astimezone(UTC))
    assert [p.platform for p in posts] == ["youtube", "sandbox"] and len(fake.uploads) == 1  # from the ledger
    assert posts[0].published_at == slot


def test_quotas_still_defer_a_slot(tmp_path, youtube):
    """The day's YouTube uploads are used up: the upload for the slot is deferred, not tried."""
    fake, channel = youtube
    channel = channel.model_copy(update={"daily_uploads": 1})
    video = tmp_path / "video.mp4"
    video.write_bytes(b"\0" * 1000)
    store = local_store(tmp_path).open()
    reserve_post(store, channel.allowance())
    with pytest.raises(Deferred, match="youtube's uploads allowance is used up"):
        publish_on_time([channel], platform_upload(video, tmp_path), store, datetime.now(UTC) + timedelta(days=1),
                        datetime.now(UTC))
    assert fake.uploads == []


def test_the_sensor_shows_the_queue_as_an_asset_and_skips_with_a_reason(tmp_path):
    calendar = Calendar(tmp_path, [item("item-a", "approved")])
    resources = {"sheet": calendar.sheet, "store": calendar.store, "policy": calendar.policy,
                 "platforms": Platforms(order=["sandbox"], sandbox=SandboxChannel(root=str(tmp_path / "sbx")))}
    with build_sensor_context(instance=calendar.instance, resources=resources) as context:
        result = publishing_slots(context)
    assert isinstance(result, SensorResult) and result.run_requests == []  # the sandbox schedules nothing ahead
    assert "item-a has the next slot" in result.skip_reason.skip_message
    [event] = result.asset_events
    assert event.asset_key.to_user_string() == "publishing_queue" and "item-a" in event.metadata["queue"].value
    with build_sensor_context(instance=calendar.instance, resources=resources, cursor=result.cursor) as again:
        assert publishing_slots(again).asset_events == []  # unchanged: not shown again


def test_auto_slots_take_the_strategys_hours_and_fall_back_to_17_saying_so(tmp_path):
    calendar = Calendar(tmp_path, [item("item-a", "approved"), item("item-b", "approved")], slots=["auto"])
    first = calendar.tick(at(0, 9))
    assert "item-a has the next slot, 2030-03-04 17:00 CET (auto: no strategy yet, so one slot a day at 17:00)" \
        in first.said
    calendar.store.open().put_json(keys.record(content_strategy.key), {"record": {"posting_hours": [20, 8]}})
    calendar.tick(at(0, 17, 1))
    assert calendar.store.open().read_json(keys.slot("item-b"))["shown"] == "2030-03-04 20:00 CET"
    assert slots.crons_for(["auto"], []) == (["0 17 * * *"], "auto: the strategy has no posting hours yet, so "
                                                               "one slot a day at 17:00")


def test_slots_follow_the_channel_zone_across_daylight_saving():
    crons, zone = ["0 17 * * *"], BERLIN
    before = datetime(2030, 3, 30, 18, tzinfo=BERLIN)  # the clocks go forward on 31 March
    assert [slots.shown(when, zone) for when in slots.passed(crons, zone, before, before + timedelta(days=2))] == [
        "2030-03-31 17:00 CEST", "2030-04-01 17:00 CEST"]
    assert slots.pinned("2030-12-24T17:00Z", zone) == datetime(2030, 12, 24, 17, tzinfo=UTC)
    assert slots.pinned(" 2030-12-24 17:00 ", zone) == datetime(2030, 12, 24, 16, tzinfo=UTC)
    assert slots.pinned("", zone) is None


def test_without_review_a_rendered_video_waits_for_its_slot(tmp_path):
    """SHORTS_REVIEW=auto: new items stop at their video (produce_content) and take the slots."""
    calendar = Calendar(tmp_path, [item("item-a", "rendered")])
    calendar.policy = calendar.policy.model_copy(update={"review_required": False})
    assert calendar.policy.holds_videos and production_job(calendar.policy.holds_videos) is produce_content
    assert calendar.runs(at(0, 9)) == ["ahead:item-a"]
    assert calendar.sync()["item-a"] == ("scheduled for 2030-03-04 17:00 CET", "")


def test_an_item_approved_just_before_a_slot_takes_it_at_the_next_look(tmp_path):
    """Approved between two looks that a slot fell between: it goes out for that slot, at once."""
    calendar = Calendar(tmp_path, [item("item-a"), item("item-b")])
    assert calendar.tick(at(0, 16, 59)).requests == []
    calendar.approve("item-a", "item-b")
    result = calendar.tick(at(0, 17, 0))
    assert calendar.runs(at(0, 17, 1)) == []  # already asked for at 17:00
    assert [":".join(r.run_key.split(":")[:2]) for r in result.requests] == ["slot:item-a", "ahead:item-b"]
    assert "late" not in calendar.store.open().read_json(keys.slot("item-a"))


def test_auto_with_a_count_takes_that_many_of_the_strategys_best_hours():
    assert slots.parse(" AUTO  3 ") == ["auto 3"]
    assert slots.crons_for(["auto 2"], [19, 20, 8, 3]) == (["0 19 * * *", "0 20 * * *"],
                                                            "auto: the strategy's hours 19:00, 20:00")
    assert slots.crons_for(["auto"], list(range(24)))[0] == ["0 0 * * *"]  # the best hour, once a day
    with pytest.raises(ValueError, match="asks for 25 slots a day: give auto with 1 to 24"):
        slots.parse("auto 25")
