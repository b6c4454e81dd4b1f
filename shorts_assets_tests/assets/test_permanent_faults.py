"""Permanent faults (issue 7): quota exhausted, a revoked key, a policy refusal, a corrupt media file,
a media link into the factory's own network (issue 12).

Each fails its step after one attempt (no Dagster retry, no retry inside the vendor's SDK),
with a message that says what to fix, which the failure sensor writes to the item's row;
the next item is made as if nothing had happened. Every service is a local fake on 127.0.0.1.
"""

from __future__ import annotations

import json
from ipaddress import ip_address

import ffmpeg
import pytest
from dagster import AssetSelection, DagsterEventType, DagsterInstance

from shorts_assets.definitions import build_definitions
from shorts_assets.media.ffmpeg import run
from shorts_assets.models import Scene
from shorts_assets.partitions import content_items
from shorts_assets.providers import public_net
from shorts_assets.providers.footage import ClipRequest, NoFootage, scene_seed
from shorts_assets.providers.stock_footage import PexelsFootage
from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, small_settings, sync_sheet, write_sheet
from shorts_assets_tests.fakes import openai_api
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.openai_api import FakeOpenAI
from shorts_assets_tests.fakes.pexels_api import API_KEY, FakePexels

CHAT, IMAGES, TTS = "/v1/chat/completions", "/v1/images/generations", "/v1/text-to-speech"
BILLING = "https://platform.openai.com/settings/organization/billing"
RETRIED = {DagsterEventType.STEP_UP_FOR_RETRY, DagsterEventType.STEP_RESTARTED}
QUOTA = openai_api.error(429, "You exceeded your current quota, please check your plan and billing details.",
                         "insufficient_quota", kind="insufficient_quota")
REFUSED = openai_api.error(400, "Your request was rejected as a result of our safety system.",
                           "content_policy_violation")


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, bytes]:
    """A small real MP4, the same file cut in half (its index is at the end), and noise behind an MP4 header."""
    path = tmp_path_factory.mktemp("videos") / "good.mp4"
    run(ffmpeg.input("testsrc2=s=180x320:r=25:d=2", f="lavfi").output(
        str(path), vcodec="libx264", preset="ultrafast", pix_fmt="yuv420p"), "make a test video")
    good = path.read_bytes()
    return {"good": good, "truncated": good[: len(good) // 2], "noise": b"\0\0\0\x18ftypmp42" + bytes(range(256)) * 40}


@pytest.fixture
def factory(tmp_path, monkeypatch, offline, videos):
    """The factory on the real clients against fakes: OpenAI writer, ElevenLabs voice, sandbox channel,
    a CSV sheet; FakePexels also serves the row's own media links (/download/<name>), which the
    footage may fetch from it because SHORTS_MEDIA_ALLOW_NETWORKS names its address and port."""
    files = {name: ("video/mp4", data) for name, data in videos.items()}
    with FakeOpenAI() as openai, FakeElevenLabs() as elevenlabs, FakePexels(files) as pexels:
        env = {
            "SHORTS_HOME": str(tmp_path), "SHORTS_WRITER": "openai", "SHORTS_VOICE": "elevenlabs",
            "OPENAI_API_KEY": openai.api_key, "OPENAI_BASE_URL": f"{openai.url}/v1",
            "ELEVENLABS_API_KEY": elevenlabs.api_key, "ELEVENLABS_BASE_URL": elevenlabs.url,
            "PEXELS_API_KEY": API_KEY, "PEXELS_BASE_URL": pexels.url, "SHORTS_MEDIA_ALLOW_NETWORKS": pexels.address,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)  # EnvVar secrets are read when the run starts
        yield env, openai, elevenlabs, pexels


def rows(home, items: dict[str, str]) -> None:
    """One good row per item id; the value is the row's media column."""
    write_sheet(home / "content_sheet.csv",
                [{**GOOD_ROW, "item_id": item, "status": "queued", "media": media} for item, media in items.items()])


def definitions(env: dict, footage: str):
    return build_definitions(small_settings({**env, "SHORTS_FOOTAGE": footage}))


def produce(defs, instance, item: str, upto: str | None = None):
    """One item's run; `upto` runs only that asset and what it needs (fewer renders)."""
    instance.add_dynamic_partitions(content_items.name, [item])
    selection = None
    if upto:  # the item's own assets up to `upto`, not the strategy its script reads
        item_assets = AssetSelection.assets(upto).upstream() - AssetSelection.groups("learning")
        selection = list(item_assets.resolve(defs.resolve_asset_graph()))
    return defs.resolve_job_def("content_pipeline").execute_in_process(
        partition_key=item, instance=instance, raise_on_error=False, asset_selection=selection)


def attempts(result, step: str) -> int:
    """How often the step started; a retry of any kind fails the test."""
    events = [e for e in result.all_events if e.step_key == step]
    assert not [e.event_type for e in events if e.event_type in RETRIED]
    return sum(e.event_type == DagsterEventType.STEP_START for e in events)


def failure(result, step: str) -> str:
    (failed,) = [e for e in result.all_events if e.is_step_failure]
    assert failed.step_key == step
    data = failed.step_failure_data.user_failure_data
    assert data is not None, failed.step_failure_data.error  # a Failure of ours, not a crash
    return data.description


def assert_row(home, item: str, status: str, error: str) -> None:
    row = next(r for r in read_sheet(home / "content_sheet.csv") if r["item_id"] == item)
    assert (row["status"], row["error"]) == (status, error)


def assert_fails_once(defs, instance, result, home, step: str, message: str) -> None:
    """One attempt, our message, and the row says `failed` with it."""
    assert not result.success
    assert attempts(result, step) == 1
    assert failure(result, step) == message
    sync_sheet(defs, instance)
    assert_row(home, result.dagster_run.tags["dagster/partition"], "failed", f"{step}: {message}")


def test_openai_quota_exhausted_is_asked_once_and_says_where_to_add_credit(factory, tmp_path):
    env, openai, elevenlabs, _ = factory
    openai.fail_next(QUOTA, CHAT, times=3)  # an account stays out of credit: a retry would meet it again
    rows(tmp_path, {"quota-item": ""})
    defs, instance = definitions(env, "procedural"), DagsterInstance.ephemeral()
    result = produce(defs, instance, "quota-item")
    assert_fails_once(defs, instance, result, tmp_path, "script",
                      "OpenAI says the account of OPENAI_API_KEY is out of credit or over its spending limit "
                      "(insufficient_quota) while trying to write the script for quota-item: add credit or raise "
                      f"the limit at {BILLING}, or set OPENAI_API_KEY to a key of an account with credit.")
    assert len(openai.calls("POST", CHAT)) == 1  # the SDK, which retries a 429, did not re-send it
    assert elevenlabs.requests == []


def test_revoked_elevenlabs_key_fails_narration_once_and_names_the_variable(factory, tmp_path, monkeypatch):
    env, _, elevenlabs, _ = factory
    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk_revoked_0123456789")
    rows(tmp_path, {"revoked-item": ""})
    defs, instance = definitions(env, "procedural"), DagsterInstance.ephemeral()
    result = produce(defs, instance, "revoked-item", upto="narration")
    assert_fails_once(defs, instance, result, tmp_path, "scenes",
                      "ElevenLabs says (401 invalid_api_key): Invalid API key. "
                      "Set ELEVENLABS_API_KEY to a valid key with text-to-speech access")
    assert 1 <= len(elevenlabs.calls("POST", TTS)) <= 4  # the four scenes asked at once, each once at most
    assert "sk_revoked" not in read_sheet(tmp_path / "content_sheet.csv")[0]["error"]


def test_openai_image_policy_refusal_fails_clips_once_and_says_what_to_reword(factory, tmp_path):
    env, openai, _, _ = factory
    openai.fail_next(REFUSED, IMAGES, body_has="short video: title text.")  # the title card, scene 0
    rows(tmp_path, {"refused-item": ""})
    defs, instance = definitions(env, "openai-images"), DagsterInstance.ephemeral()
    result = produce(defs, instance, "refused-item", upto="clips")
    assert_fails_once(defs, instance, result, tmp_path, "scenes",
                      "OpenAI's content policy rejected the request to draw scene 0 of refused-item: reword the "
                      "row's topic, facts or script. OpenAI said: Your request was rejected as a result of our "
                      "safety system.")
    assert sum("title text" in c.json()["prompt"] for c in openai.calls("POST", IMAGES)) == 1  # refused, not retried


@pytest.mark.parametrize("corrupt", ["truncated", "noise"])
def test_a_corrupt_row_media_file_fails_clips_once_and_asks_to_fix_the_media_column(factory, tmp_path, corrupt):
    env, _, _, pexels = factory
    link = f"{pexels.url}/download/{corrupt}"
    rows(tmp_path, {"broken-media": link})
    defs, instance = definitions(env, "row-media,procedural"), DagsterInstance.ephemeral()
    result = produce(defs, instance, "broken-media", upto="clips")
    assert_fails_once(defs, instance, result, tmp_path, "scenes",
                      f"the row's media link {link} is not a playable video or image (ffmpeg cannot decode it): "
                      "fix it or remove it from the row's media column")
    assert len(pexels.calls("GET", "/download/")) == 1
    assert not list((tmp_path / "cache").rglob("blobs/*"))  # never kept: a fixed file at that link is fetched anew


def test_a_row_link_into_the_factorys_network_fails_once_at_the_sheet_check_or_the_download(factory, tmp_path,
                                                                                             monkeypatch):
    """Written as an address, the idea step refuses it (as the sensor does); a name is refused when it resolves."""
    env, _, _, pexels = factory
    monkeypatch.setattr(public_net, "resolve", lambda host, port: [ip_address("10.0.0.7")])
    rows(tmp_path, {"metadata-link": "http://169.254.169.254/latest/meta-data/",
                    "private-name": "http://media.example.org/bees.mp4"})
    defs, instance = definitions(env, "row-media,procedural"), DagsterInstance.ephemeral()
    assert_fails_once(defs, instance, produce(defs, instance, "metadata-link", upto="clips"), tmp_path, "idea",
                      "row 1: media 1 links 169.254.169.254, a link-local address inside the factory's network "
                      "(the cloud metadata service lives there): give a public link")
    assert_fails_once(defs, instance, produce(defs, instance, "private-name", upto="clips"), tmp_path, "scenes",
                      "the row's media link http://media.example.org/bees.mp4 leads to media.example.org (10.0.0.7), "
                      "a private address inside the factory's network, which only SHORTS_MEDIA_ALLOW_NETWORKS can "
                      "let through: fix it or remove it from the row's media column")
    assert pexels.requests == []


def test_a_corrupt_stock_file_is_skipped_for_the_next_result_without_a_retry(factory, tmp_path):
    """A broken Pexels file is that stock video's fault: no retry or sheet edit can fix it, the next result can."""
    env, _, _, pexels = factory
    pexels.videos = [pexels.video(1, [(11, 1080, 1920, "truncated")]), pexels.video(2, [(21, 1080, 1920, "good")])]
    beats = [1, 2]  # scenes 0 and 3 are cards: procedural draws them
    broken_first = [i for i in beats if scene_seed("stock-item", i) % 2 == 0]  # the seed picks video 1 first
    assert broken_first  # so this item really meets the broken file
    rows(tmp_path, {"stock-item": ""})
    defs, instance = definitions(env, "pexels,procedural"), DagsterInstance.ephemeral()
    result = produce(defs, instance, "stock-item", upto="clips")
    assert result.success and attempts(result, "scenes") == 1
    clips = json.loads((tmp_path / "store" / "clips" / "stock-item" / "record.json").read_text())["record"]["clips"]
    assert [clips[i]["source"].split(" file ")[0] for i in beats] == ["pexels:video 2"] * 2
    assert len(pexels.calls("GET", "/download/truncated")) == len(broken_first)
    assert len(pexels.calls("GET", "/download/good")) == 1  # then from the cache


def test_when_every_tried_stock_file_is_corrupt_the_scene_moves_on_saying_why(factory, tmp_path):
    _, _, _, pexels = factory
    pexels.videos = [pexels.video(1, [(11, 1080, 1920, "truncated")]), pexels.video(2, [(21, 1080, 1920, "noise")]),
                     pexels.video(3, [(31, 1080, 1920, "good")])]
    footage = PexelsFootage(api_key=API_KEY, base_url=pexels.url, cache_dir=str(tmp_path / "cache"),
                            allow_networks=[pexels.address])
    index = next(i for i in range(1, 20) if scene_seed("stock-item", i) % 3 == 0)  # video 1, then video 2
    scene = Scene(narration="Bees dance.", visual="bees dancing")
    with pytest.raises(NoFootage) as nothing:
        footage.make_clip(ClipRequest("stock-item", index, scene, tmp_path))
    assert str(nothing.value) == (
        f"Pexels video 1: {pexels.url}/download/truncated is not a playable video or image (ffmpeg cannot decode it); "
        f"Pexels video 2: {pexels.url}/download/noise is not a playable video or image (ffmpeg cannot decode it)")
    assert [r.path for r in pexels.calls("GET", "/download/")] == ["/download/truncated", "/download/noise"]


def test_the_items_after_permanent_faults_are_made_and_published(factory, tmp_path):
    """One instance, three items in a row: a quota answer, a corrupt row link, then a good item."""
    env, openai, _, pexels = factory
    openai.fail_next(QUOTA, CHAT)
    items = {"first-quota": "", "second-media": f"{pexels.url}/download/truncated", "third-good": ""}
    rows(tmp_path, items)
    defs, instance = definitions(env, "row-media,procedural"), DagsterInstance.ephemeral()
    results = {item: produce(defs, instance, item) for item in items}
    assert [results[item].success for item in items] == [False, False, True]
    sync_sheet(defs, instance)  # one tick brings every row up to date
    statuses = {row["item_id"]: row["status"] for row in read_sheet(tmp_path / "content_sheet.csv")}
    assert statuses == {"first-quota": "failed", "second-media": "failed", "third-good": "published"}
    assert len(list((tmp_path / "sandbox_channel").iterdir())) == 1
