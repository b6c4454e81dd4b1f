"""Runway video footage, through the real `runwayml` SDK against a local fake of Runway's API."""

from __future__ import annotations

import time
import types
from pathlib import Path

import pytest
import runwayml._base_client

from shorts_assets import models
from shorts_assets.config import ConfigError, Settings
from shorts_assets.media.probe import probe
from shorts_assets.providers import PermanentError, TransientError, http_errors
from shorts_assets.providers.footage import ClipRequest, Footage, NoFootage, generation_prompt
from shorts_assets.providers.runway_footage import PROMPT_LIMIT, RunwayFootage
from shorts_assets_tests.conftest import SMALL, local_store
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.runway_api import API_KEY, FakeRunway

CREATE, TASKS = "/v1/text_to_video", "/v1/tasks/"
LONG_SCENE = "Bees dance in the dark hive to tell each other where the best flowers are."  # 15 words: 7.8 s


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The SDK's retry waits and our download retries' waits, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(runwayml._base_client, "time", types.SimpleNamespace(sleep=waits.append, time=time.time))
    monkeypatch.setattr(http_errors, "backoff_sleep", waits.append)
    return waits


@pytest.fixture
def fake(sleeps):
    with FakeRunway() as server:
        yield server


@pytest.fixture
def store(tmp_path_factory):
    """Where the footage keeps what it paid for: apart from the clips a test makes."""
    return local_store(tmp_path_factory.mktemp("kept"))


def footage(fake, store, **fields) -> RunwayFootage:
    downloads = Path(store.root).parent / "downloads"
    return RunwayFootage(**{"api_key": API_KEY, "base_url": fake.url, "cache_dir": str(downloads),
                            "allow_networks": [fake.address], "store": store, "poll_s": 0.05, **fields})


def request(tmp_path, visual="bees dancing on a honeycomb, macro", index=1, narration="Bees dance.") -> ClipRequest:
    scene = models.Scene(narration=narration, visual=visual)
    return ClipRequest("honeybees-1", index, scene, tmp_path / "work", topic="honeybees", fmt=SMALL)


def test_is_footage(tmp_path):
    assert isinstance(RunwayFootage(api_key="x", cache_dir=str(tmp_path), store=local_store(tmp_path)), Footage)


def test_a_scene_is_a_generated_clip_of_its_prompt_paid_by_the_second(fake, store, tmp_path):
    made = footage(fake, store).make_clip(request(tmp_path))

    (sent,) = fake.calls("POST", CREATE)
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}" and sent.headers["X-Runway-Version"]
    assert sent.json() == {"model": "gen4.5", "promptText": generation_prompt(request(tmp_path)),
                           "ratio": "720:1280", "duration": 2}  # "Bees dance." runs 1.9 s: the shortest clip
    (task,) = fake.tasks
    assert isinstance(made.picture, models.VideoSource)
    assert made.picture.media.name == "scene-01.mp4" and made.picture.media.mime == "video/mp4"
    assert (probe(made.picture.media.local()).width, probe(made.picture.media.local()).height) == (720, 1280)
    assert made.source == f"runway:gen4.5 720:1280 2s task {task}"
    assert made.cost == models.Cost(service="runway", units={"seconds": 2, "credits": 24}, usd=0.24)


def test_a_long_scene_gets_at_most_max_seconds(fake, store, tmp_path):
    footage(fake, store).make_clip(request(tmp_path, narration=LONG_SCENE))
    made = footage(fake, store, max_seconds=8, usd_per_second=0.05).make_clip(request(tmp_path, narration=LONG_SCENE))
    assert [call.json()["duration"] for call in fake.calls("POST", CREATE)] == [5, 8]
    assert made.cost == models.Cost(service="runway", units={"seconds": 8, "credits": 96}, usd=0.4)


def test_a_clip_is_paid_once_per_prompt_model_ratio_and_length(fake, store, tmp_path):
    """Kept under cache/videos/<hash>/: the same prompt again (another scene, a retried step) costs
    nothing; another model, ratio or length is another clip."""
    first = footage(fake, store).make_clip(request(tmp_path, index=1))
    again = footage(fake, store).make_clip(request(tmp_path, index=2))
    assert len(fake.tasks) == 1 and again.cost is None and again.source == first.source
    assert again.picture.media.local().read_bytes() == first.picture.media.local().read_bytes()
    key = footage(fake, store).clip_key(generation_prompt(request(tmp_path)), 2)
    kept = Path(store.root) / "cache" / "videos" / key
    assert (kept / "clip.mp4").read_bytes() == first.picture.media.local().read_bytes()

    footage(fake, store, ratio="1280:720").make_clip(request(tmp_path))
    footage(fake, store, model="veo3.1").make_clip(request(tmp_path))
    footage(fake, store).make_clip(request(tmp_path, narration=LONG_SCENE))
    footage(fake, store).make_clip(request(tmp_path, visual="a honeycomb at dawn"))
    assert len(fake.tasks) == 5

    (kept / "clip.mp4").write_bytes(b"cut short")  # a damaged copy is fetched again from its task, not paid again
    assert footage(fake, store).make_clip(request(tmp_path)).picture.media.local().read_bytes() != b"cut short"
    assert len(fake.tasks) == 5


def test_polling_sleeps_between_polls_while_a_task_is_queued_and_runs(store, tmp_path, sleeps):
    """A task queued 0.3 s and running 1.2 s, polled every 0.25 s: about six polls, never a busy loop."""
    with FakeRunway(queued_s=0.3, run_s=1.2) as fake:
        started = time.monotonic()
        footage(fake, store, poll_s=0.25).make_clip(request(tmp_path))
        took = time.monotonic() - started
        polls = len(fake.polls())
    assert took >= 1.5 and 6 <= polls <= 8, (took, polls)


def test_a_task_past_the_longest_wait_is_transient_and_the_retry_waits_for_that_task(store, tmp_path):
    with FakeRunway(run_s=1.0) as fake:
        with pytest.raises(TransientError, match="still RUNNING after 0.2 s .SHORTS_RUNWAY_MAX_WAIT_S"):
            footage(fake, store, max_wait_s=0.2).make_clip(request(tmp_path))
        made = footage(fake, store).make_clip(request(tmp_path))
        assert len(fake.tasks) == 1 and made.cost is not None  # paid for once, counted once it is kept


def test_a_refused_task_is_no_footage_with_runways_reason_and_is_never_sent_again(fake, store, tmp_path):
    fake.refuse("honeycomb", "The prompt text did not pass moderation.")
    for _ in range(2):
        with pytest.raises(NoFootage, match="SAFETY.INPUT.TEXT.*: The prompt text did not pass moderation"):
            footage(fake, store).make_clip(request(tmp_path))
    assert len(fake.calls("POST", CREATE)) == 1 and len(fake.polls()) == 1


def test_another_failure_is_no_footage_now_and_asked_again_next_time(fake, store, tmp_path):
    fake.refuse("honeycomb", "The output was rejected for quality.", code="INTERNAL.BAD_OUTPUT.CODE01")
    with pytest.raises(NoFootage, match="failed .INTERNAL.BAD_OUTPUT.CODE01.: The output was rejected"):
        footage(fake, store).make_clip(request(tmp_path))
    fake.refusals.clear()
    assert footage(fake, store).make_clip(request(tmp_path)).cost is not None
    assert len(fake.tasks) == 2


def test_a_kept_task_runway_no_longer_has_is_asked_again(store, tmp_path):
    with FakeRunway(run_s=1.0) as fake:
        with pytest.raises(TransientError):
            footage(fake, store, max_wait_s=0.1).make_clip(request(tmp_path))
        fake.tasks.clear()  # deleted on Runway's side
        fake.run_s = 0.0
        footage(fake, store).make_clip(request(tmp_path))
        assert len(fake.tasks) == 1 and len(fake.calls("POST", CREATE)) == 2


def test_a_missing_key_is_named(fake, store, tmp_path):
    with pytest.raises(PermanentError, match="set RUNWAYML_API_SECRET"):
        footage(fake, store, api_key="").make_clip(request(tmp_path))
    with pytest.raises(ConfigError, match="SHORTS_FOOTAGE=runway needs RUNWAYML_API_SECRET, which is not set"):
        Settings.from_env({"SHORTS_HOME": str(tmp_path), "SHORTS_FOOTAGE": "runway,pexels,procedural",
                           "PEXELS_API_KEY": "p"})
    assert not fake.requests


def test_a_bad_key_is_permanent_names_the_variable_and_hides_the_key(fake, store, tmp_path):
    with pytest.raises(PermanentError, match="invalid .401.*set RUNWAYML_API_SECRET") as caught:
        footage(fake, store, api_key="key_nope-42").make_clip(request(tmp_path))
    assert "key_nope-42" not in str(caught.value) and caught.value.__cause__ is None


def test_a_429_passes_through_the_sdks_retries_and_no_task_is_paid_twice(fake, store, tmp_path, sleeps):
    fake.fail_next(Response(429, {"error": "Too many requests."}), CREATE)
    assert footage(fake, store).make_clip(request(tmp_path)).cost is not None
    assert len(fake.calls("POST", CREATE)) == 2 and len(fake.tasks) == 1 and len(sleeps) == 1


@pytest.mark.parametrize("path", [CREATE, TASKS])
def test_busy_past_the_sdks_retries_is_transient_with_the_servers_wait(fake, store, tmp_path, path):
    fake.fail_next(Response(503, {"error": "Runway is shedding load."}, {"Retry-After": "7"}), path, times=3)
    with pytest.raises(TransientError, match="busy or failing .503.*shedding load") as caught:
        footage(fake, store).make_clip(request(tmp_path))
    assert caught.value.retry_after == 7.0


def test_a_rejected_request_is_permanent_in_runways_words(fake, store, tmp_path):
    fake.fail_next(Response(400, {"error": "You do not have enough credits to run this task."}), CREATE)
    with pytest.raises(PermanentError, match="refused the request .400.*enough credits to run this task"):
        footage(fake, store).make_clip(request(tmp_path))
    assert not fake.tasks


def test_an_unreachable_runway_is_transient(store, tmp_path, sleeps):
    with FakeRunway() as gone:
        url = gone.url
    with pytest.raises(TransientError, match="Could not reach Runway"):
        RunwayFootage(api_key=API_KEY, base_url=url, cache_dir=str(tmp_path), store=store,
                      max_retries=0).make_clip(request(tmp_path))


def test_a_clip_over_the_size_limit_is_no_footage_and_not_kept(fake, store, tmp_path):
    with pytest.raises(NoFootage, match="unusable: .* over the 0.25 MB limit"):
        footage(fake, store, max_download_mb=0.25).make_clip(request(tmp_path))
    assert not list((Path(store.root) / "cache" / "videos").glob("*/clip.mp4"))


def test_a_clip_that_is_no_video_is_no_footage(fake, store, tmp_path):
    fake.fail_next(Response(200, b"\0\0\0\x18ftypmp42" + bytes(range(256)) * 4, {"Content-Type": "video/mp4"}),
                   "/outputs/")
    with pytest.raises(NoFootage, match="not a playable video"):
        footage(fake, store).make_clip(request(tmp_path))


def test_a_clip_link_into_the_factorys_network_is_refused(fake, store, tmp_path):
    with pytest.raises(NoFootage, match="unusable"):
        footage(fake, store, allow_networks=[]).make_clip(request(tmp_path))


def test_a_long_prompt_is_cut_at_a_word_to_runways_limit(fake, store, tmp_path):
    visual = " ".join(["honeycomb🐝"] * 200)  # the emoji is two UTF-16 units
    footage(fake, store).make_clip(request(tmp_path, visual=visual))
    sent = fake.calls("POST", CREATE)[0].json()["promptText"]
    assert len(sent.encode("utf-16-le")) // 2 <= PROMPT_LIMIT and sent.endswith("honeycomb🐝")
