"""TikTokChannel against FakeTikTok: chunked Direct Post, error classes, metrics."""

import os
from datetime import timedelta

import pytest

from shorts_assets.providers import PermanentError, TransientError, http_errors, tiktok
from shorts_assets.providers.http_errors import RETRIES
from shorts_assets.providers.platforms import Progress
from shorts_assets.providers.tiktok import TikTokChannel, chunk_plan
from shorts_assets_tests.conftest import platform_upload
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.tiktok_api import MB, FakeTikTok, tiktok_error

INIT = "/v2/post/publish/video/init/"
STATUS = "/v2/post/publish/status/fetch/"


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """About 12 MB of random bytes named .mp4: TikTok's client never decodes it."""
    path = tmp_path_factory.mktemp("tiktok") / "video.mp4"
    path.write_bytes(os.urandom(12 * MB + 12345))
    return path


@pytest.fixture
def upload(video, tmp_path):
    return platform_upload(video, tmp_path)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch):
    calls = []
    monkeypatch.setattr(tiktok, "sleep", calls.append)
    monkeypatch.setattr(http_errors, "backoff_sleep", calls.append)
    return calls


@pytest.fixture
def fake():
    with FakeTikTok() as server:
        yield server


def channel(fake, **fields) -> TikTokChannel:
    return TikTokChannel(access_token=fake.token, api_root=fake.url, chunk_mb=5, **fields)


def test_publish_uploads_in_tiktok_chunks_and_waits_for_the_post(fake, upload, video, sleeps):
    post = channel(fake).publish(upload)

    size = video.stat().st_size
    (sent,) = fake.uploads.values()
    assert sent.init["source_info"] == {
        "source": "FILE_UPLOAD", "video_size": size, "chunk_size": 5 * MB, "total_chunk_count": 2,
    }
    assert sent.init["post_info"] == {
        "title": "Why do bees dance? #bees #naturefacts", "privacy_level": "SELF_ONLY",
        "disable_comment": False, "disable_duet": True, "disable_stitch": False, "is_aigc": True,
    }
    assert sent.ranges == [(0, 5 * MB - 1), (5 * MB, size - 1)], "the trailing bytes ride on the last chunk"
    assert bytes(sent.data) == video.read_bytes()
    puts = fake.calls("PUT", "/upload/")
    assert [p.headers["Content-Type"] for p in puts] == ["video/mp4"] * 2
    assert [int(p.headers["Content-Length"]) for p in puts] == [5 * MB, size - 5 * MB]
    assert all("Authorization" not in p.headers for p in puts), "the user token stays off the upload host"
    assert sent.checks == 2 and sleeps == [5.0]

    assert post.platform == "tiktok" and post.post_id == "7301234567890" and not post.simulated
    assert post.url == "https://www.tiktok.com/@shorts.lab/video/7301234567890"
    assert fake.token not in post.model_dump_json()


@pytest.mark.parametrize(
    ("size", "chunk", "plan"),
    [
        (3 * MB, 10 * MB, (3 * MB, 1)),  # under 5 MB: one whole chunk
        (8 * MB, 10 * MB, (8 * MB, 1)),  # smaller than a chunk
        (12 * MB, 5 * MB, (5 * MB, 2)),  # 5 + 7 MB
        (200 * MB, 64 * MB, (64 * MB, 3)),  # last chunk 72 MB, under the 128 MB cap
    ],
)
def test_chunk_plan_follows_tiktok_rules(size, chunk, plan):
    assert chunk_plan(size, chunk) == plan


@pytest.mark.parametrize(("size", "chunk"), [(0, 5 * MB), (12 * MB, 4 * MB), (12 * MB, 65 * MB)])
def test_chunk_plan_refuses_what_tiktok_would(size, chunk):
    with pytest.raises(ValueError):
        chunk_plan(size, chunk)


def test_a_private_post_is_known_by_its_publish_id_and_has_no_stats(fake, upload):
    fake.public_id = None
    post = channel(fake).publish(upload)
    assert post.post_id.startswith("v_pub_file~") and post.url == "https://www.tiktok.com/@shorts.lab"

    snapshot = channel(fake).metrics(post, post.published_at + timedelta(hours=2))
    assert (snapshot.views, snapshot.likes, snapshot.comments) == (0, 0, 0)
    assert not fake.calls("POST", "/v2/video/query/")


@pytest.mark.parametrize(
    ("fault", "path", "retry_after"),
    [
        (Response(429, tiktok_error(429, "rate_limit_exceeded").body, {"Retry-After": "7"}),
         "/v2/post/publish/creator_info/", 7.0),
        (Response(503, "upstream unavailable"), INIT, None),
        (Response(drop=True), "/upload/", None),
    ],
)
def test_transient_faults_raise_transient_then_a_retry_publishes(fake, upload, fault, path, retry_after):
    fake.fail_next(fault, path, times=RETRIES + 1)  # past the client's own attempts
    with pytest.raises(TransientError) as caught:
        channel(fake).publish(upload)
    assert caught.value.retry_after == retry_after
    assert fake.token not in str(caught.value) and "upload-SECRET" not in str(caught.value)
    fake.faults.clear()

    assert channel(fake).publish(upload).post_id == "7301234567890"


def test_a_fault_while_polling_is_ridden_out_because_the_upload_is_done(fake, upload):
    fake.fail_next(Response(503, "busy"), STATUS)
    assert channel(fake).publish(upload).post_id == "7301234567890"
    assert len(fake.uploads) == 1


def test_an_invalid_token_is_permanent_and_names_the_variable(fake, upload):
    with pytest.raises(PermanentError, match="TIKTOK_ACCESS_TOKEN") as caught:
        TikTokChannel(access_token="wrong-SECRET-token", api_root=fake.url).publish(upload)
    assert "wrong-SECRET-token" not in str(caught.value)
    assert not fake.uploads


def test_the_posting_cap_is_permanent(fake, upload):
    fake.fail_next(tiktok_error(403, "spam_risk_too_many_posts", "Daily post cap reached"), INIT)
    with pytest.raises(PermanentError, match="posting cap"):
        channel(fake).publish(upload)


def test_failed_processing_is_permanent_with_tiktoks_reason(fake, upload):
    fake.outcome = "FAILED"
    with pytest.raises(PermanentError, match="duration_check_failed"):
        channel(fake).publish(upload)


def test_a_privacy_level_the_creator_lacks_fails_before_uploading(fake, upload):
    fake.creator["privacy_level_options"] = ["SELF_ONLY"]
    with pytest.raises(PermanentError, match="SHORTS_TIKTOK_PRIVACY"):
        channel(fake, privacy_level="PUBLIC_TO_EVERYONE").publish(upload)
    assert not fake.calls("POST", INIT)


def test_giving_up_on_polling_is_permanent_so_nothing_posts_twice(fake, upload):
    with pytest.raises(PermanentError, match="may still appear"):
        channel(fake, poll_limit=1).publish(upload)


def test_metrics_map_tiktok_counts(fake, upload):
    post = channel(fake).publish(upload)
    fake.stats[post.post_id] = {"view_count": 1234, "like_count": 56, "comment_count": 7, "share_count": 3}

    snapshot = channel(fake).metrics(post, post.published_at + timedelta(hours=6))

    (query,) = fake.calls("POST", "/v2/video/query/")
    assert query.json() == {"filters": {"video_ids": ["7301234567890"]}}
    assert query.query["fields"] == ["id,view_count,like_count,comment_count,share_count"]
    assert (snapshot.views, snapshot.likes, snapshot.comments) == (1234, 56, 7)
    assert snapshot.avg_view_duration_s == 0.0 and snapshot.hours_since_post == 6.0
    assert snapshot.platform == "tiktok" and not snapshot.simulated


def test_after_a_dead_worker_a_fully_uploaded_post_is_awaited_not_posted_again(fake, upload):
    progress = Progress()
    channel(fake).publish(upload, progress)
    saved = {**progress.state, "uploaded": False}  # died after the last chunk, before saying so
    post = channel(fake).publish(upload, Progress(saved))
    assert len(fake.uploads) == 1 and post.post_id == "7301234567890"


def test_after_a_dead_worker_an_unfinished_upload_is_posted_anew(fake, upload):
    fake.fail_next(Response(500, "upload host down"), "/upload/", times=RETRIES + 1)
    progress = Progress()
    with pytest.raises(TransientError):
        channel(fake).publish(upload, progress)
    assert progress.state["uploaded"] is False
    channel(fake).publish(upload, Progress(dict(progress.state)))
    assert len(fake.uploads) == 2 and sum(u.complete for u in fake.uploads.values()) == 1
