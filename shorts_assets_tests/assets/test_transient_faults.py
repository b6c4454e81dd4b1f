"""Transient faults everywhere. Every fake service (OpenAI, ElevenLabs, Pexels, YouTube, TikTok,
Instagram, Sheets) and S3 (moto behind a proxy) fail a seeded 30 % of their calls with 429,
500, 503, answers that never come or dropped connections; a batch still ends with every item
published exactly once on every platform, its row saying so, and a store whose every record
matches its media. The sheet sensor is ticked as the daemon ticks it: again after a failed tick."""

import hashlib
import json
import subprocess
from collections import Counter

import boto3
import pytest
from dagster import DagsterEventType, DagsterInstance, SensorResult, build_sensor_context

from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.automation.jobs import PRODUCE_ASSETS, PUBLISH_ASSETS
from shorts_assets.definitions import build_definitions
from shorts_assets.media.ffmpeg import ffmpeg_exe
from shorts_assets.providers import instagram, tiktok
from shorts_assets_tests.assets.conftest import service_account
from shorts_assets_tests.conftest import small_settings, sync_sheet
from shorts_assets_tests.fakes import Chaos
from shorts_assets_tests.fakes.chaos_proxy import ChaosProxy
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.instagram_api import FakeInstagram
from shorts_assets_tests.fakes.openai_api import FakeOpenAI
from shorts_assets_tests.fakes.pexels_api import FakePexels
from shorts_assets_tests.fakes.sheets_api import FakeSheets
from shorts_assets_tests.fakes.tiktok_api import FakeTikTok
from shorts_assets_tests.fakes.youtube_api import FakeYouTube
from shorts_assets_tests.integrity import broken_records, s3_keys

FAULT_RATE = 0.3
COLUMNS = ["topic", "category", "facts", "hook_style", "target_seconds", "music", "item_id", "status"]
TOPICS = ["honeybees", "octopus hearts", "lightning", "tardigrades", "volcano glass", "coral reefs", "comets",
          "glaciers", "fireflies", "deep sea vents", "meteor showers", "bamboo"]
PREFIX = "factory"


def portrait_clip(path):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=180x320:r=25:d=2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", str(path)], check=True)
    return path.read_bytes()


def rows(items: int) -> list[list[str]]:
    return [[topic, "science", f"{topic.capitalize()} are stranger than they look. | Scientists keep finding more.",
             "question", "10", "none", "", ""] for topic in TOPICS[:items]]


@pytest.fixture
def world(tmp_path, monkeypatch, offline, s3_endpoint):
    """The fakes with their chaos, the environment that points the factory at them, and the bucket."""
    monkeypatch.setattr(tiktok, "sleep", lambda seconds: None)  # status polls: the fakes answer at once
    monkeypatch.setattr(instagram, "sleep", lambda seconds: None)
    clip = portrait_clip(tmp_path / "stock.mp4")
    fakes = {"openai": FakeOpenAI(), "elevenlabs": FakeElevenLabs(),
             "pexels": FakePexels({"p.mp4": ("video/mp4", clip)}), "youtube": FakeYouTube(), "tiktok": FakeTikTok(),
             "instagram": FakeInstagram(), "sheets": FakeSheets({"ideas": [COLUMNS]})}
    bucket = f"shorts-{tmp_path.name[-20:].lower().replace('_', '-')}"
    boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                 region_name="us-east-1").create_bucket(Bucket=bucket)
    with fakes["openai"], fakes["elevenlabs"], fakes["pexels"], fakes["youtube"], fakes["tiktok"], \
            fakes["instagram"], fakes["sheets"], ChaosProxy(s3_endpoint, Chaos(0.0, seed=0)) as s3:
        fakes["pexels"].videos = [fakes["pexels"].video(i, [(i, 1080, 1920, "p.mp4")]) for i in (1, 2, 3)]
        youtube = fakes["youtube"]
        youtube.authorized_user_file(tmp_path / "yt.json")
        (tmp_path / "sa.json").write_text(json.dumps(service_account(f"{fakes['sheets'].url}/token")))
        env = {
            "SHORTS_HOME": str(tmp_path), "SHORTS_WRITER": "openai", "SHORTS_VOICE": "elevenlabs",
            "SHORTS_FOOTAGE": "pexels,openai-images,procedural", "SHORTS_PLATFORMS": "youtube,tiktok,instagram",
            "SHORTS_SHEET": "google", "SHORTS_REVIEW": "auto", "SHORTS_SERVICE_TIMEOUT_S": "1.5",
            "SHORTS_STORE": f"s3://{bucket}/{PREFIX}", "S3_ENDPOINT_URL": s3.url,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "OPENAI_API_KEY": fakes["openai"].api_key, "OPENAI_BASE_URL": f"{fakes['openai'].url}/v1",
            "ELEVENLABS_API_KEY": fakes["elevenlabs"].api_key, "ELEVENLABS_BASE_URL": fakes["elevenlabs"].url,
            "PEXELS_API_KEY": fakes["pexels"].api_key, "PEXELS_BASE_URL": fakes["pexels"].url,
            "SHORTS_MEDIA_ALLOW_NETWORKS": fakes["pexels"].address,  # its stock files are on 127.0.0.1
            "YOUTUBE_AUTHORIZED_USER_FILE": str(tmp_path / "yt.json"), "YOUTUBE_API_ROOT": f"{youtube.url}/",
            "TIKTOK_ACCESS_TOKEN": fakes["tiktok"].token, "TIKTOK_API_ROOT": fakes["tiktok"].url,
            "INSTAGRAM_ACCESS_TOKEN": fakes["instagram"].token, "INSTAGRAM_USER_ID": fakes["instagram"].user_id,
            "INSTAGRAM_GRAPH_ROOT": fakes["instagram"].url, "INSTAGRAM_RUPLOAD_ROOT": fakes["instagram"].url,
            "SHORTS_GOOGLE_SHEET_KEY": fakes["sheets"].key,
            "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "sa.json"), "GOOGLE_SHEETS_API_ROOT": fakes["sheets"].url,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield env, fakes, s3, bucket


def unleash(fakes: dict, s3: ChaosProxy) -> dict[str, Chaos]:
    """From now on every service fails FAULT_RATE of its calls; answers that never come are held
    past the clients' 1.5 s timeout (SHORTS_SERVICE_TIMEOUT_S)."""
    chaos = {name: Chaos(FAULT_RATE, seed=seed, hang_s=2.5) for seed, name in enumerate([*fakes, "s3"])}
    for name, fake in fakes.items():
        fake.chaos = chaos[name]
    s3.chaos = chaos["s3"]
    return chaos


def queue_rows(defs, instance, limit: int = 30) -> tuple[SensorResult, int]:
    """Tick the sheet sensor until a tick goes through, as the daemon would; the failed ticks counted."""
    for failed in range(limit):
        try:
            with build_sensor_context(instance=instance, resources=defs.resources) as context:
                result = content_sheet_sensor(context)
        except Exception:  # noqa: BLE001 - a failed tick is tried again at the next one
            continue
        for request in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        return result, failed
    raise AssertionError(f"the sheet sensor failed {limit} ticks in a row")


def step_retries(result) -> int:
    return sum(1 for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY)


def run_batch(world, items: int) -> dict:
    env, fakes, s3, bucket = world
    fakes["sheets"].sheets["ideas"].cells += rows(items)
    defs = build_definitions(small_settings(env))
    instance = DagsterInstance.ephemeral()
    chaos = unleash(fakes, s3)
    queued, failed_ticks = queue_rows(defs, instance)
    assert len(queued.run_requests) == items
    job, retries, outcomes = defs.resolve_job_def("content_pipeline"), 0, {}
    for request in queued.run_requests:
        result = job.execute_in_process(partition_key=request.partition_key, instance=instance, raise_on_error=False)
        failures = [e.message for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
        assert result.success, f"{request.partition_key}: {failures}"
        retries += step_retries(result)
        sync_sheet(defs, instance)
        outcomes[request.partition_key] = result
    for fake in [*fakes.values()]:
        fake.chaos = None
    s3.chaos = Chaos(0.0, seed=0)
    return {"defs": defs, "instance": instance, "chaos": chaos, "items": list(outcomes), "step_retries": retries,
            "failed_ticks": failed_ticks}


def posts_per_video(fakes: dict) -> dict[str, Counter]:
    """Posts each platform made, by the sha256 of the video they carry."""
    def digest(data) -> str:
        return hashlib.sha256(bytes(data)).hexdigest()
    instagram_fake = fakes["instagram"]
    return {
        "youtube": Counter(digest(s.data) for s in fakes["youtube"].uploads if s.video_id),
        "tiktok": Counter(digest(u.data) for u in fakes["tiktok"].uploads.values() if u.complete),
        "instagram": Counter(digest(instagram_fake.containers[c].data) for c in instagram_fake.media.values()),
    }


@pytest.mark.slow
@pytest.mark.parametrize("items", [2, pytest.param(10, marks=pytest.mark.heavy)])
def test_a_batch_under_thirty_percent_faults_publishes_every_item_exactly_once_everywhere(world, items):
    env, fakes, s3, bucket = world
    batch = run_batch(world, items)

    client = boto3.client("s3", endpoint_url=s3.url, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")

    def read(key: str) -> bytes:
        return client.get_object(Bucket=bucket, Key=f"{PREFIX}/{key}")["Body"].read()

    videos = {json.loads(read(f"rendered_video/{item}/record.json"))["record"]["video"]["sha256"]
              for item in batch["items"]}
    posts = posts_per_video(fakes)
    for platform, counts in posts.items():
        assert counts == Counter(videos), f"{platform}: one post per item expected, got {counts}"
    header, *cells = fakes["sheets"].grid("ideas")
    statuses = [dict(zip(header, row, strict=False))["status"] for row in cells]
    assert statuses == ["published"] * items

    records, media, problems = broken_records(s3_keys(client, bucket, PREFIX), read)
    # idea .. published_post: a record each
    per_item = sum(len(asset.keys) for asset in PRODUCE_ASSETS + PUBLISH_ASSETS)
    assert problems == [] and records >= per_item * items

    injected = sum((c.injected for c in batch["chaos"].values()), Counter())
    requests = sum(len(f.requests) for f in fakes.values()) + s3.forwarded
    print(f"\n{items} items under {FAULT_RATE:.0%} faults: {sum(injected.values())} faults injected "
          f"({dict(injected)}), {requests} requests received, {batch['step_retries']} step retries, "
          f"{batch['failed_ticks']} failed sensor ticks; posts: "
          f"{ {p: sum(c.values()) for p, c in posts.items()} }, duplicates: 0; "
          f"{records} records and {media} media checked")
    assert sum(injected.values()) > 10 * items  # the faults really happened
