"""A run worker killed with SIGKILL, twice: during the render, then (re-executed from failure)
during the YouTube upload. Re-executing from failure again finishes the item: no complete asset
is computed again, the upload continues its session rather than posting twice, and at every
moment each record in the store points at whole media with the sha256 it gives."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus

from shorts_assets.media.format import PRODUCTION
from shorts_assets.store import LocalStore
from shorts_assets_tests.conftest import GOOD_ROW, video_env, write_sheet
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.youtube_api import FakeYouTube
from shorts_assets_tests.integrity import broken_records

ROOT = Path(__file__).resolve().parents[2]
ITEM = "crash-bees"
ASSETS = ("idea", "script", "narration", "clips", "rendered_video", "published_post")
CHUNK = 256 * 1024


@pytest.fixture
def factory(tmp_path, offline):
    """A SQLite Dagster home, the offline providers but YouTube (a fake, 256 KiB upload chunks).

    Full size: the render must last long enough to be killed, and the video span several chunks."""
    home = tmp_path / "dagster"
    home.mkdir()
    write_sheet(tmp_path / "content_sheet.csv", [{**GOOD_ROW, "target_seconds": "30", "item_id": ITEM,
                                                   "status": "queued"}])
    with FakeYouTube() as youtube:
        youtube.authorized_user_file(tmp_path / "yt.json")
        env = {**os.environ, **video_env(PRODUCTION), "DAGSTER_HOME": str(home), "SHORTS_HOME": str(tmp_path),
               "SHORTS_PLATFORMS": "youtube", "SHORTS_REVIEW": "auto",
               "YOUTUBE_AUTHORIZED_USER_FILE": str(tmp_path / "yt.json"), "YOUTUBE_API_ROOT": f"{youtube.url}/",
               "SHORTS_YOUTUBE_CHUNK_MB": "0.25"}
        with DagsterInstance.from_config(str(home)) as instance:
            yield env, instance, youtube, LocalStore(tmp_path / "store")


def worker(env, *args) -> subprocess.Popen:
    """A run worker in a session of its own, so its ffmpeg dies with it."""
    return subprocess.Popen([sys.executable, "-m", "shorts_assets_tests.crash_worker", *args], cwd=ROOT, env=env,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for(condition, what: str, proc: subprocess.Popen, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the worker ended before {what}: {proc.stdout.read().decode()[-3000:]}")
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def newest_run(instance, after: set[str]):
    return next((run for run in instance.get_runs() if run.run_id not in after), None)


def step_started(instance, run_id: str, step: str) -> bool:
    return any(e.dagster_event.step_key == step
               for e in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START))


def ffmpeg_running(session: int) -> bool:
    """An ffmpeg process in the worker's session: the render is under way."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getsid(int(pid)) == session and b"ffmpeg" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except (OSError, ProcessLookupError):
            continue
    return False


def kill(proc: subprocess.Popen, instance, run_id: str) -> None:
    """SIGKILL the worker and its children, then do what run monitoring does with the run it left STARTED."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    run = instance.get_run_by_id(run_id)
    assert run.status == DagsterRunStatus.STARTED
    instance.report_run_failed(run, message="the run worker died (SIGKILL)")


def store_is_whole(store: LocalStore) -> tuple[int, int]:
    keys = [p.relative_to(store.root).as_posix() for p in store.root.rglob("*") if p.is_file()]
    records, media, problems = broken_records(keys, store.read_bytes)
    assert problems == []
    return records, media


def materializations(instance) -> dict[str, int]:
    return {name: sum(1 for record in instance.fetch_materializations(AssetKey(name), limit=100).records
                      if record.partition_key == ITEM) for name in ASSETS}


@pytest.mark.slow
def test_killed_during_the_render_and_during_the_upload_the_item_resumes_without_redoing_or_reposting(factory):
    env, instance, youtube, store = factory
    instance.add_dynamic_partitions("content_item", [ITEM])

    first = worker(env, "run", ITEM)
    run_one = wait_for(lambda: newest_run(instance, set()), "the run to start", first).run_id
    wait_for(lambda: step_started(instance, run_one, "rendered_video") and ffmpeg_running(first.pid),
             "the render to start", first)
    kill(first, instance, run_one)
    assert materializations(instance) == {**dict.fromkeys(ASSETS[:4], 1), **dict.fromkeys(ASSETS[4:], 0)}
    after_render_crash = store_is_whole(store)

    youtube.fail_chunk(3, Response(drop=True, hang_s=20))  # the third chunk never gets an answer
    second = worker(env, "resume", run_one)
    run_two = wait_for(lambda: newest_run(instance, {run_one}), "the re-execution to start", second).run_id
    wait_for(lambda: youtube.chunks_seen >= 3, "the upload to reach its third chunk", second)
    kill(second, instance, run_two)
    progress = json.loads(store.read_bytes(f"published_post/{ITEM}/posts/youtube.progress.json"))
    assert progress["sent"] == 2 * CHUNK and youtube.videos == {}
    after_upload_crash = store_is_whole(store)

    third = worker(env, "resume", run_two)
    assert third.wait(timeout=240) == 0, third.stdout.read().decode()[-3000:]

    assert materializations(instance) == dict.fromkeys(ASSETS, 1)  # nothing complete was made again
    (session,) = youtube.uploads  # one upload session, continued
    starts = [first_byte for first_byte, _, _ in session.ranges]
    assert starts[:3] == [0, CHUNK, 2 * CHUNK] and len(starts) == len(set(starts))  # no byte sent twice
    video = store.read_bytes(f"rendered_video/{ITEM}/video.mp4")
    assert bytes(session.data) == video and len(youtube.videos) == 1  # one post
    ledger = json.loads(store.read_bytes(f"published_post/{ITEM}/posts/youtube.json"))
    assert ledger["post_id"] == session.video_id
    records, media = store_is_whole(store)
    print(f"\ncrash resume: records/media whole after the render kill {after_render_crash}, after the upload kill "
          f"{after_upload_crash}, at the end {(records, media)}; {len(session.ranges)} chunks, each sent once; "
          f"1 video on YouTube")
