"""Posting allowances: windows, deferral instead of failure, and the platforms' own quota errors."""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetMaterialization, DagsterInstance

from shorts_assets.assets.metrics import take_snapshot
from shorts_assets.assets.post import publish_everywhere
from shorts_assets.budget import budget_deferral as costed_deferral
from shorts_assets.config import COSTED
from shorts_assets.models import Post, PublishedPost
from shorts_assets.providers import Deferred, http_errors
from shorts_assets.providers.channels import Platforms
from shorts_assets.providers.instagram import InstagramReels
from shorts_assets.providers.platforms import Allowance
from shorts_assets.providers.tiktok import TikTokChannel
from shorts_assets.providers.youtube import YouTubeChannel
from shorts_assets.quota import reserve_post, used
from shorts_assets.store import LocalStore
from shorts_assets_tests.conftest import platform_upload
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.instagram_api import FakeInstagram, graph_error
from shorts_assets_tests.fakes.tiktok_api import FakeTikTok, tiktok_error
from shorts_assets_tests.fakes.youtube_api import FakeYouTube

PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def store(tmp_path):
    return LocalStore(tmp_path / "store")


def test_youtube_uploads_past_the_day_wait_for_midnight_pacific(store):
    youtube = Allowance("youtube", {"uploads": 2, "units": 10_000}, {"uploads": 1, "units": 50},
                        zone="America/Los_Angeles")
    now = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # 12:30 in Los Angeles
    reserve_post(store, youtube, now)
    reserve_post(store, youtube, now + timedelta(minutes=1))
    with pytest.raises(Deferred, match=r"youtube's uploads allowance is used up \(2 of 2") as deferred:
        reserve_post(store, youtube, now + timedelta(minutes=2))
    assert deferred.value.until == datetime(2026, 12, 2, tzinfo=PACIFIC)
    assert used(store, youtube, now + timedelta(minutes=3)) == {"uploads": 2, "units": 100}
    assert used(store, youtube, datetime(2026, 12, 2, 8, 1, tzinfo=UTC)) == {"uploads": 0, "units": 0}
    reserve_post(store, youtube, datetime(2026, 12, 2, 8, 1, tzinfo=UTC))  # a new Pacific day


def test_a_moving_window_reopens_when_its_oldest_post_is_a_day_old(store):
    instagram = Allowance("instagram", {"posts": 2}, {"posts": 1})
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    reserve_post(store, instagram, start)
    reserve_post(store, instagram, start + timedelta(hours=3))
    with pytest.raises(Deferred) as deferred:
        reserve_post(store, instagram, start + timedelta(hours=5))
    assert deferred.value.until == start + timedelta(hours=24)
    reserve_post(store, instagram, start + timedelta(hours=24, minutes=1))


def test_a_posting_cap_the_platform_reports_defers_and_later_uploads_do_not_ask(store, tmp_path):
    video = tmp_path / "video.mp4"
    video.write_bytes(b"\0" * 2048)
    with FakeTikTok() as fake:
        tiktok = TikTokChannel(access_token=fake.token, api_root=fake.url, chunk_mb=5, poll_seconds=0)
        fake.fail_next(tiktok_error(403, "spam_risk_too_many_posts", "too many posts"), "/v2/post/publish/video/init/")
        with pytest.raises(Deferred, match="TikTok's posting cap is reached") as first:
            publish_everywhere([tiktok], platform_upload(video, tmp_path), store)
        asked = len(fake.requests)
        with pytest.raises(Deferred, match="tiktok's posts allowance is used up") as second:
            publish_everywhere([tiktok], platform_upload(video, tmp_path), store)
        assert len(fake.requests) == asked and fake.uploads == {}
    assert second.value.until >= first.value.until - timedelta(seconds=1)


def test_instagram_publishing_limit_is_a_deferral_not_a_failure(store, tmp_path):
    video = tmp_path / "video.mp4"
    video.write_bytes(b"\0" * 2048)
    with FakeInstagram() as fake:
        reels = InstagramReels(access_token=fake.token, ig_user_id=fake.user_id, graph_root=fake.url,
                               rupload_root=fake.url, poll_seconds=0)
        fake.fail_next(graph_error(400, 9, "Application request limit reached", subcode=2207042),
                       f"/v21.0/{fake.user_id}/media")
        with pytest.raises(Deferred, match="publishing limit"):
            publish_everywhere([reels], platform_upload(video, tmp_path), store)


def test_a_transient_failure_elsewhere_is_retried_rather_than_deferred(store, tmp_path, monkeypatch):
    monkeypatch.setattr(http_errors, "backoff_sleep", lambda seconds: None)
    video = tmp_path / "video.mp4"
    video.write_bytes(b"\0" * 2048)
    with FakeTikTok() as tiktok_fake, FakeInstagram() as instagram_fake:
        tiktok = TikTokChannel(access_token=tiktok_fake.token, api_root=tiktok_fake.url, daily_posts=0)
        reels = InstagramReels(access_token=instagram_fake.token, ig_user_id=instagram_fake.user_id,
                               graph_root=instagram_fake.url, rupload_root=instagram_fake.url, poll_seconds=0)
        instagram_fake.fail_next(Response(503, "busy"), "/", times=http_errors.RETRIES + 1)
        with pytest.raises(Exception) as raised:
            publish_everywhere([tiktok, reels], platform_upload(video, tmp_path), store)
    assert type(raised.value).__name__ == "TransientError" and "deferred until" in str(raised.value)


def spend(instance: DagsterInstance, asset: str, usd: float, item: str = "a-1") -> None:
    instance.report_runless_asset_event(AssetMaterialization(asset, partition=item, metadata={"cost_usd": usd}))


def budget_deferral(instance, cap_usd: float, now=None):
    return costed_deferral(instance, cap_usd, list(COSTED), now=now)


def test_the_daily_budget_adds_up_todays_cost_metadata():
    with DagsterInstance.ephemeral() as instance:
        assert budget_deferral(instance, 1.0) is None
        spend(instance, "script", 0.40)
        spend(instance, "narration", 0.35)
        assert budget_deferral(instance, 1.0) is None and budget_deferral(instance, 0.0) is None
        spend(instance, "clips", 0.30)
        held = budget_deferral(instance, 1.0)
        assert held is not None and "daily budget of $1.00 is reached ($1.05 spent today" in str(held)
        tomorrow = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        assert held.until == tomorrow
        assert budget_deferral(instance, 1.0, now=tomorrow + timedelta(minutes=1)) is None


def test_youtube_reads_spend_units_and_a_read_past_the_day_waits(store, tmp_path):
    with FakeYouTube() as fake:
        credentials = fake.authorized_user_file(tmp_path / "yt.json")
        youtube = YouTubeChannel(authorized_user_file=str(credentials), api_root=f"{fake.url}/", daily_units=3)
        platforms = Platforms(order=["youtube"], youtube=youtube)
        fake.add_video("vid1", {"viewCount": 40})
        published = PublishedPost(item_id="a-1", posts=[Post(platform="youtube", post_id="vid1", url="u",
                                                             published_at=datetime.now(UTC))])
        log = logging.getLogger("test")
        first = take_snapshot(published, platforms, None, datetime.now(UTC), store, log)
        second = take_snapshot(published, platforms, first, datetime.now(UTC), store, log)
    assert [s.views for s in first.snapshots] == [40] and len(second.snapshots) == 1  # the second read waited
    assert used(store, youtube.allowance(), datetime.now(UTC))["units"] == 2
    assert len(fake.calls("GET", "/youtube/v3/videos")) == 1
