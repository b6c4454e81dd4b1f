import json
import logging
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httplib2
import pytest

from shorts_assets.models import Post
from shorts_assets.providers import PermanentError, TransientError, http_errors
from shorts_assets.providers import youtube as youtube_module
from shorts_assets.providers.platforms import Progress, Upload
from shorts_assets.providers.youtube import GOOGLE_API_ROOT, YouTubeChannel, chunked_file_upload
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.youtube_api import FakeYouTube, error, header, token_error

CHUNK = 256 * 1024
REFRESH_TOKEN = "1//test-refresh-token"


@pytest.fixture
def fake():
    with FakeYouTube(refresh_token=REFRESH_TOKEN) as server:
        yield server


@pytest.fixture
def sleeps(fake, monkeypatch):
    """Backoff waits, recorded instead of slept. Every HTTP request must go to the fake: the
    client is built from the shipped discovery documents and never fetches one."""
    waits: list[float] = []
    monkeypatch.setattr(http_errors, "backoff_sleep", waits.append)
    send = httplib2.Http.request

    def only_the_fake(self, uri, *args, **kwargs):
        assert uri.startswith(fake.url + "/"), f"request outside the fake: {uri}"
        return send(self, uri, *args, **kwargs)

    monkeypatch.setattr(httplib2.Http, "request", only_the_fake)
    return waits


@pytest.fixture
def channel(fake, tmp_path, sleeps):
    secrets = tmp_path / "authorized_user.json"
    secrets.write_text(json.dumps({
        "type": "authorized_user", "client_id": "test-client.apps.googleusercontent.com",
        "client_secret": "test-client-secret", "refresh_token": REFRESH_TOKEN,
        "token_uri": "https://elsewhere.invalid/token",  # ignored: the token goes to <api_root>token only
    }))
    return YouTubeChannel(authorized_user_file=str(secrets), api_root=f"{fake.url}/", chunk_mb=0.25,
                          max_chunk_retries=3)


@pytest.fixture
def upload(tmp_path) -> Upload:
    video, thumb = tmp_path / "video.mp4", tmp_path / "thumb.jpg"
    video.write_bytes(os.urandom(700_000))
    thumb.write_bytes(b"\xff\xd8\xff\xe0 a small jpeg")
    return Upload(item_id="bees-1", video=video, thumbnail=thumb, title="Why do bees <dance>?",
                  description="Bees talk by dancing. #shorts", tags=["#bees", "#nature"],
                  attributes={"category": "nature"}, duration_s=30.0)


def post_for(video_id: str, hours_ago: float = 30) -> Post:
    published = datetime.now(UTC) - timedelta(hours=hours_ago)
    return Post(platform="youtube", post_id=video_id, url=f"https://youtube.com/shorts/{video_id}",
                published_at=published)


def test_publish_uploads_byte_identical_chunks_with_metadata_and_thumbnail(fake, channel, upload):
    slot = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=24)
    post = channel.publish(replace(upload, publish_at=slot))

    [session] = fake.uploads
    assert session.query["part"] == ["snippet,status"]
    assert session.metadata["snippet"] == {
        "title": "Why do bees dance?", "description": "Bees talk by dancing. #shorts",
        "tags": ["bees", "nature"], "categoryId": "22"}
    status = session.metadata["status"]
    assert status["privacyStatus"] == "private" and status["selfDeclaredMadeForKids"] is False
    assert status["containsSyntheticMedia"] is True
    publish_at = datetime.fromisoformat(status["publishAt"])
    assert publish_at == slot

    assert bytes(session.data) == upload.video.read_bytes()
    assert session.ranges == [(0, CHUNK - 1, 700_000), (CHUNK, 2 * CHUNK - 1, 700_000),
                              (2 * CHUNK, 699_999, 700_000)]
    assert fake.thumbnails[post.post_id] == upload.thumbnail.read_bytes()
    assert post.post_id == session.video_id and post.url == f"https://youtube.com/shorts/{post.post_id}"
    assert post.platform == "youtube" and not post.simulated and post.published_at == publish_at
    assert not fake.calls("GET", "/discovery") and len(fake.calls("POST", "/token")) == 1


def test_a_503_on_a_chunk_resumes_where_the_server_stands(fake, channel, upload, sleeps):
    fake.fail_chunk(2, error(503, "backendError", "Backend Error"))
    post = channel.publish(upload)

    [session] = fake.uploads
    assert bytes(session.data) == upload.video.read_bytes()
    assert [r[0] for r in session.ranges] == [0, CHUNK, 2 * CHUNK]
    status_queries = [r for r in fake.calls("PUT", "/upload/") if header(r, "Content-Range").startswith("bytes */")]
    assert len(status_queries) == 1 and sleeps == [0.5]
    assert post.post_id == session.video_id


def test_dropped_connections_mid_upload_resume_quickly(fake, channel, upload, sleeps):
    fake.fail_chunk(2, Response(drop=True))
    fake.fail_chunk(3, Response(drop=True))  # httplib2's own resend of the chunk, dropped too
    channel.publish(upload)

    [session] = fake.uploads
    assert bytes(session.data) == upload.video.read_bytes() and sleeps == [0.5]
    assert [len(r.body) for r in fake.calls("PUT", "/upload/") if "*" not in header(r, "Content-Range")] == [
        CHUNK, CHUNK, CHUNK, CHUNK, 700_000 - 2 * CHUNK]  # every resend carries the whole chunk


def test_quota_exhausted_is_permanent_after_one_attempt(fake, channel, upload, sleeps):
    fake.fail_next(error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your "
                         "quota."), "/upload/youtube/v3/videos")
    with pytest.raises(PermanentError, match="quota exhausted.*midnight Pacific"):
        channel.publish(upload)
    assert len(fake.calls("POST", "/upload/youtube/v3/videos")) == 1 and sleeps == []


def test_a_refused_refresh_token_names_the_variable_not_the_token(fake, channel, upload):
    fake.fail_next(token_error(401, "invalid_client", "Unauthorized"), "/token")
    with pytest.raises(PermanentError, match="YOUTUBE_AUTHORIZED_USER_FILE") as caught:
        channel.publish(upload)
    assert REFRESH_TOKEN not in str(caught.value) and "test-client-secret" not in str(caught.value)
    assert not fake.calls("POST", "/upload/")


def test_rate_limits_are_waited_out_after_retry_after_and_a_long_wait_is_the_steps(fake, channel, sleeps):
    fake.add_video("vid1", {"viewCount": 3})
    fake.fail_next(error(429, "rateLimitExceeded", "slow down", {"Retry-After": "7"}), "/youtube/v3/videos")
    assert channel.metrics(post_for("vid1"), datetime.now(UTC)).views == 3 and sleeps == [7.0]
    fake.fail_next(error(429, "rateLimitExceeded", "slow down", {"Retry-After": "70"}), "/youtube/v3/videos")
    with pytest.raises(TransientError) as caught:
        channel.metrics(post_for("vid1"), datetime.now(UTC))
    assert caught.value.retry_after == 70 and sleeps == [7.0]  # the step's RetryPolicy waits that long


def test_an_unverified_channel_publishes_without_its_thumbnail(fake, channel, upload, caplog):
    fake.fail_next(error(403, "forbidden", "The authenticated user doesn't have permissions to upload and set "
                         "custom video thumbnails."), "/upload/youtube/v3/thumbnails")
    with caplog.at_level(logging.WARNING, logger=youtube_module.__name__):
        post = channel.publish(upload)
    assert post.post_id in fake.videos and post.post_id not in fake.thumbnails
    assert "without its custom thumbnail" in caplog.text


def test_metrics_read_statistics_and_analytics(fake, channel):
    fake.add_video("vid1", {"viewCount": 1200, "likeCount": 80, "commentCount": 9}, analytics=(21.5, 71.7))
    now = datetime.now(UTC)
    snapshot = channel.metrics(post_for("vid1"), now)
    assert (snapshot.views, snapshot.likes, snapshot.comments) == (1200, 80, 9)
    assert snapshot.avg_view_duration_s == 21.5 and not snapshot.simulated and snapshot.platform == "youtube"
    assert 29.9 < snapshot.hours_since_post < 30.1
    [report] = fake.calls("GET", "/v2/reports")
    assert report.query["ids"] == ["channel==MINE"] and report.query["filters"] == ["video==vid1"]
    assert report.query["metrics"] == ["averageViewDuration,averageViewPercentage"]
    assert report.query["endDate"] == [now.date().isoformat()]


def test_metrics_before_analytics_has_rows_report_zero_duration(fake, channel):
    fake.add_video("vid2", {"viewCount": 3})
    snapshot = channel.metrics(post_for("vid2", hours_ago=1), datetime.now(UTC))
    assert snapshot.views == 3 and snapshot.likes == 0 and snapshot.avg_view_duration_s == 0.0


def test_comments_and_retract(fake, channel):
    fake.add_video("vid3", comments=["love it", "more bees", "third"])
    assert channel.comments(post_for("vid3"), limit=2) == ["love it", "more bees"]
    [listing] = fake.calls("GET", "/youtube/v3/commentThreads")
    assert listing.query["textFormat"] == ["plainText"] and listing.query["maxResults"] == ["2"]

    fake.fail_next(error(403, "commentsDisabled", "comments are off"), "/youtube/v3/commentThreads")
    assert channel.comments(post_for("vid3")) == []

    channel.retract(post_for("vid3"))
    assert "vid3" not in fake.videos
    channel.retract(post_for("vid3"))  # already gone counts as retracted


def test_settings_are_checked_before_anything_is_sent(fake, channel, upload):
    with pytest.raises(PermanentError, match="SHORTS_YOUTUBE_CHUNK_MB"):
        channel.model_copy(update={"chunk_mb": 0.3}).publish(upload)
    with pytest.raises(PermanentError, match="SHORTS_YOUTUBE_PRIVACY=private"):
        channel.model_copy(update={"privacy_status": "public"}).publish(
            replace(upload, publish_at=datetime(2999, 1, 1, tzinfo=UTC)))
    with pytest.raises(PermanentError, match="in the past; YouTube only schedules ahead"):
        channel.publish(replace(upload, publish_at=datetime(2001, 1, 1, tzinfo=UTC)))
    with pytest.raises(PermanentError, match="YOUTUBE_AUTHORIZED_USER_FILE"):
        channel.model_copy(update={"authorized_user_file": "/nonexistent.json"}).publish(upload)
    assert fake.requests == []


def test_google_hosts_by_default_and_the_files_token_uri_is_never_used(channel, upload, offline):
    google = channel.model_copy(update={"api_root": GOOGLE_API_ROOT})
    credentials = google._credentials()
    assert credentials.token_uri == "https://oauth2.googleapis.com/token"
    media = chunked_file_upload()(str(upload.video), mimetype="video/mp4", chunksize=CHUNK, resumable=True)
    insert = google._rooted(google._client("youtube", "v3", credentials).videos().insert(
        part="snippet", body={}, media_body=media))
    assert insert.uri.startswith("https://youtube.googleapis.com/upload/youtube/v3/videos?")
    media.stream().close()


# -- resuming after the worker died: the saved session continues from the last acknowledged byte --

def interrupted(fake, channel, upload, chunk: int) -> Progress:
    """A publish that fails on data chunk `chunk` with no retries left, as if its worker had died there."""
    progress = Progress()
    fake.fail_chunk(chunk, error(503, "backendError", "Backend Error"))
    with pytest.raises(TransientError):
        channel.model_copy(update={"max_chunk_retries": 0}).publish(upload, progress)
    return progress


def test_an_interrupted_upload_continues_from_the_last_acknowledged_byte(fake, channel, upload):
    progress = interrupted(fake, channel, upload, chunk=3)
    assert progress.state["sent"] == 2 * CHUNK and len(fake.uploads) == 1
    post = channel.publish(upload, Progress(dict(progress.state)))  # a new worker, the saved progress
    session = fake.uploads[0]
    assert len(fake.uploads) == 1 and post.post_id == session.video_id
    assert [first for first, _, _ in session.ranges] == [0, CHUNK, 2 * CHUNK]  # no byte sent twice
    assert bytes(session.data) == upload.video.read_bytes()
    status_queries = [r for r in fake.calls("PUT", "/upload/youtube/v3/videos")
                      if header(r, "Content-Range").startswith("bytes */")]
    assert len(status_queries) == 1


def test_a_finished_upload_whose_post_was_not_recorded_is_taken_not_sent_again(fake, channel, upload):
    progress = Progress()
    first = channel.publish(upload, progress)
    progress.state.pop("video_id")  # the worker died after the last byte, before the ledger
    again = channel.publish(upload, Progress(dict(progress.state)))
    assert again.post_id == first.post_id and len(fake.uploads) == 1 and len(fake.videos) == 1


def test_a_session_youtube_forgot_starts_a_new_upload(fake, channel, upload):
    progress = interrupted(fake, channel, upload, chunk=2)
    fake.sessions.clear()  # expired
    post = channel.publish(upload, Progress(dict(progress.state)))
    assert len(fake.uploads) == 1 and bytes(fake.uploads[0].data) == upload.video.read_bytes()
    assert post.post_id == fake.uploads[0].video_id
