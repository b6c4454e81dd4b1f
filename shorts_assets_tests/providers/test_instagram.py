"""InstagramReels against FakeInstagram: resumable Reels upload, error classes, insights."""

import json
import os
from datetime import timedelta

import pytest

from shorts_assets.providers import PermanentError, TransientError, http_errors, instagram
from shorts_assets.providers.http_errors import RETRIES
from shorts_assets.providers.instagram import InstagramReels
from shorts_assets.providers.platforms import Progress
from shorts_assets_tests.conftest import platform_upload
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.instagram_api import USER_ID, VERSION, FakeInstagram, graph_error

MEDIA = f"/{VERSION}/{USER_ID}/media"
PUBLISH = f"/{VERSION}/{USER_ID}/media_publish"


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """Random bytes named .mp4: the client never decodes the video."""
    path = tmp_path_factory.mktemp("instagram") / "video.mp4"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 77))
    return path


@pytest.fixture
def upload(video, tmp_path):
    return platform_upload(video, tmp_path)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch):
    calls = []
    monkeypatch.setattr(instagram, "sleep", calls.append)
    monkeypatch.setattr(http_errors, "backoff_sleep", calls.append)
    return calls


@pytest.fixture
def fake():
    with FakeInstagram() as server:
        yield server


def reels(fake, **fields) -> InstagramReels:
    return InstagramReels(access_token=fake.token, ig_user_id=fake.user_id, graph_root=fake.url,
                          rupload_root=fake.url, **fields)


def test_publish_uploads_resumably_waits_then_publishes(fake, upload, video, sleeps):
    post = reels(fake).publish(upload)

    (container,) = fake.containers.values()
    assert container.params == {
        "media_type": "REELS", "upload_type": "resumable", "share_to_feed": "true",
        "caption": "Bees talk by dancing.\n\n#bees #naturefacts",
    }
    assert container.data == video.read_bytes()
    assert container.upload_headers["offset"] == "0"
    assert container.upload_headers["file_size"] == str(video.stat().st_size)
    assert container.checks == 2 and sleeps == [10.0]
    (published,) = fake.calls("POST", PUBLISH)
    assert "creation_id" in published.body.decode()

    assert post.platform == "instagram" and post.post_id == container.media_id and not post.simulated
    assert post.url == f"https://www.instagram.com/reel/FAKE{post.post_id[-4:]}/"
    for request in fake.requests:  # the token travels in headers only
        assert fake.token not in request.path + json.dumps(request.query) + request.body[:4096].decode(errors="ignore")
    assert fake.token not in post.model_dump_json()


@pytest.mark.parametrize(
    ("fault", "path", "retry_after"),
    [
        (Response(400, graph_error(400, 4, "Application request limit reached").body,
                  {"X-Business-Use-Case-Usage": json.dumps({USER_ID: [{"estimated_time_to_regain_access": 5}]})}),
         MEDIA, 300.0),
        (Response(503, "upstream unavailable", {"Retry-After": "12"}), "/ig-api-upload/", 12.0),
        (Response(500, graph_error(500, 2, "Service temporarily unavailable").body), f"/{VERSION}/1790", None),
        (Response(drop=True), PUBLISH, None),
    ],
)
def test_transient_faults_raise_transient_then_a_retry_publishes(fake, upload, fault, path, retry_after):
    fake.fail_next(fault, path, times=RETRIES + 1)  # past the client's own attempts
    with pytest.raises(TransientError) as caught:
        reels(fake).publish(upload)
    assert caught.value.retry_after == retry_after
    assert fake.token not in str(caught.value)

    fake.faults.clear()  # a wait longer than the client's own is left to the step's RetryPolicy
    assert reels(fake).publish(upload).post_id in fake.media


def test_an_invalid_token_is_permanent_and_names_the_variable(fake, upload):
    with pytest.raises(PermanentError, match="INSTAGRAM_ACCESS_TOKEN") as caught:
        InstagramReels(access_token="wrong-SECRET-token", ig_user_id=USER_ID, graph_root=fake.url,
                       rupload_root=fake.url).publish(upload)
    assert "wrong-SECRET-token" not in str(caught.value)
    assert not fake.containers


def test_the_publishing_limit_is_permanent(fake, upload):
    fake.fail_next(graph_error(400, 9, "Application request limit reached", subcode=2207042), PUBLISH)
    with pytest.raises(PermanentError, match="publishing limit"):
        reels(fake).publish(upload)


@pytest.mark.parametrize("outcome", ["ERROR", "EXPIRED"])
def test_failed_processing_is_permanent(fake, upload, outcome):
    fake.outcome = outcome
    with pytest.raises(PermanentError, match="could not process"):
        reels(fake).publish(upload)
    assert not fake.calls("POST", PUBLISH)


def test_a_missing_permalink_does_not_fail_a_published_reel(fake, upload):
    fake.fail_next(Response(500, "oops"), f"/{VERSION}/1800", times=RETRIES + 1)
    post = reels(fake).publish(upload)
    assert post.post_id in fake.media and post.url == "https://www.instagram.com/"


def test_metrics_map_insights_and_watch_time_in_seconds(fake, upload):
    post = reels(fake).publish(upload)
    snapshot = reels(fake).metrics(post, post.published_at + timedelta(hours=3))

    (call,) = fake.calls("GET", f"/{VERSION}/{post.post_id}/insights")
    assert call.query["metric"] == ["views,likes,comments,ig_reels_avg_watch_time"]
    assert (snapshot.views, snapshot.likes, snapshot.comments) == (1500, 120, 9)
    assert snapshot.avg_view_duration_s == 7.25 and snapshot.hours_since_post == 3.0
    assert snapshot.platform == "instagram" and not snapshot.simulated


def test_a_metric_graph_rejects_counts_as_zero(fake, upload):
    post = reels(fake).publish(upload)
    fake.supported_metrics.discard("ig_reels_avg_watch_time")
    snapshot = reels(fake).metrics(post, post.published_at + timedelta(hours=3))
    assert (snapshot.views, snapshot.likes, snapshot.comments, snapshot.avg_view_duration_s) == (1500, 120, 9, 0.0)


def test_after_a_dead_worker_the_uploaded_container_is_published_not_a_new_one(fake, upload):
    fake.fail_next(graph_error(500, 2, "Service temporarily unavailable"), PUBLISH, times=RETRIES + 1)
    progress = Progress()
    with pytest.raises(TransientError):
        reels(fake).publish(upload, progress)
    post = reels(fake).publish(upload, Progress(dict(progress.state)))
    assert len(fake.containers) == 1 and list(fake.media) == [post.post_id]
