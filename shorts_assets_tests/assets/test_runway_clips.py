"""AI video clips (issue 16): items made with SHORTS_FOOTAGE=runway,pexels,procedural against
the fakes of Runway and Pexels. The clips come from the generator and the video meets the spec
whatever size Runway makes them; a refused task falls to Pexels; a retried step and a second
materialization pay for no clip twice; the per-second cost adds up in the metadata and the daily
budget holds the clips back."""

from __future__ import annotations

import time
import types

import pytest
import runwayml._base_client
from dagster import DagsterInstance

from shorts_assets.assets.clips import CLIPS
from shorts_assets.assets.script import script as script_asset
from shorts_assets.media.probe import probe
from shorts_assets.models import VideoSource
from shorts_assets.store import LocalStore, load_record
from shorts_assets_tests.assets.test_permanent_faults import definitions, produce, rows
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.pexels_api import API_KEY as PEXELS_KEY
from shorts_assets_tests.fakes.pexels_api import FakePexels
from shorts_assets_tests.fakes.runway_api import API_KEY, CREDITS_PER_SECOND, FakeRunway, clip

FOOTAGE = "runway,pexels,procedural"
ITEM = "ai-item"


@pytest.fixture
def world(tmp_path, monkeypatch, offline):
    """The offline writer and voice; Runway and Pexels are fakes. The SDK's retry waits are recorded, not slept."""
    monkeypatch.setattr(runwayml._base_client, "time", types.SimpleNamespace(sleep=lambda s: None, time=time.time))
    with FakeRunway() as runway, FakePexels({"hd.mp4": ("video/mp4", clip(180, 320))}) as pexels:
        pexels.videos = [pexels.video(1, [(11, 1080, 1920, "hd.mp4")])]
        env = {"SHORTS_HOME": str(tmp_path), "RUNWAYML_API_SECRET": API_KEY, "RUNWAYML_BASE_URL": runway.url,
               "PEXELS_API_KEY": PEXELS_KEY, "PEXELS_BASE_URL": pexels.url,
               "SHORTS_MEDIA_ALLOW_NETWORKS": f"{runway.address},{pexels.address}"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)  # EnvVar secrets are read when the run starts
        rows(tmp_path, {ITEM: ""})
        yield runway, pexels, env


def clips_of(tmp_path, item: str = ITEM):
    return load_record(LocalStore(tmp_path / "store"), CLIPS, item)


def made_clips(result) -> list:
    """The `clips` materializations of a run (its step, `scenes`, may make the narration too)."""
    return [m for m in result.asset_materializations_for_node("scenes") if m.asset_key == CLIPS]


def clips_metadata(result) -> dict:
    (materialized,) = made_clips(result)
    return {name: value.value for name, value in materialized.metadata.items()}


@pytest.mark.parametrize("size", [(768, 1280), (1280, 768), (960, 960)])
def test_every_scene_is_a_generated_clip_fitted_to_the_format_and_its_seconds_are_paid_once(size, world, tmp_path):
    runway, pexels, env = world
    runway.size = size
    result = produce(definitions(env, FOOTAGE), DagsterInstance.ephemeral(), ITEM, upto="rendered_video")
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert [(c.check_name, c.passed) for c in result.get_asset_check_evaluations()] == \
        [("rendered_video_meets_spec", True)]

    made = clips_of(tmp_path).clips
    assert all(c.source.startswith("runway:gen4.5 720:1280") and isinstance(c.picture, VideoSource) for c in made)
    store = LocalStore(tmp_path / "store")
    assert {(probe(store.path(c.picture.media.key)).width, probe(store.path(c.picture.media.key)).height)
            for c in made} == {size}  # kept as Runway made them; the render fits them
    assert not pexels.requests

    seconds = sum(task.duration for task in runway.tasks.values())
    assert len(runway.tasks) == len(made) and seconds >= 2 * len(made)
    metadata = clips_metadata(result)
    assert metadata["runway_seconds"] == seconds and metadata["runway_credits"] == CREDITS_PER_SECOND * seconds
    assert metadata["cost_usd"] == pytest.approx(0.12 * seconds)
    assert sum(cost.usd for cost in clips_of(tmp_path).costs) == pytest.approx(0.12 * seconds)


def test_a_refused_scene_falls_to_pexels_and_the_others_stay_generated(world, tmp_path):
    runway, pexels, env = world
    instance = DagsterInstance.ephemeral()
    assert produce(definitions(env, FOOTAGE), instance, ITEM, upto="script").success
    scenes = load_record(LocalStore(tmp_path / "store"), script_asset.key, ITEM).scenes
    refused = scenes[1].visual  # the first beat: Pexels finds stock for it, not for a card
    runway.refuse(refused, "The prompt text did not pass moderation.")

    result = produce(definitions(env, FOOTAGE), instance, ITEM, upto="clips")
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    sources = [c.source.split(":")[0] for c in clips_of(tmp_path).clips]
    assert sources == ["pexels" if scene.visual == refused else "runway" for scene in scenes]
    assert "pexels" in sources and len(pexels.calls("GET", "/videos/search")) == sources.count("pexels")
    assert clips_metadata(result)["runway_seconds"] == sum(  # a refusal costs no clip in the record
        task.duration for task in runway.tasks.values() if task.failure is None)


def test_a_retried_step_and_a_second_materialization_pay_for_no_clip_twice(world, tmp_path):
    """Every scene's task is created, then every poll fails past the SDK's retries: the step fails
    and its retry waits for the same tasks; materializing the clips again creates none."""
    runway, pexels, env = world
    runway.fail_next(Response(503, {"error": "Runway is shedding load."}), "/v1/tasks/", times=3 * 4)
    instance, defs = DagsterInstance.ephemeral(), definitions(env, FOOTAGE)
    first = produce(defs, instance, ITEM, upto="clips")
    assert first.success, [e.message for e in first.all_events if e.is_failure]
    assert [e.event_type_value for e in first.all_events if e.step_key == "scenes"].count("STEP_UP_FOR_RETRY") == 1
    scenes = len(clips_of(tmp_path).clips)
    assert len(runway.calls("POST", "/v1/text_to_video")) == len(runway.tasks) == scenes == 4
    assert clips_metadata(first)["runway_seconds"] == sum(task.duration for task in runway.tasks.values())

    again = produce(defs, instance, ITEM, upto="clips")
    assert again.success and len(runway.calls("POST", "/v1/text_to_video")) == scenes
    assert "cost_usd" not in clips_metadata(again)  # nothing paid: every clip came from the store


def test_past_the_daily_budget_the_clips_wait_and_no_task_is_created(world, tmp_path):
    runway, pexels, env = world
    instance = DagsterInstance.ephemeral()
    defs = definitions({**env, "SHORTS_DAILY_BUDGET_USD": "0.5"}, FOOTAGE)
    assert produce(defs, instance, ITEM, upto="clips").success  # under the cap when it started; now past it
    tasks = len(runway.tasks)
    rows(tmp_path, {ITEM: "", "ai-two": ""})
    held = produce(defs, instance, "ai-two", upto="clips")
    assert held.success and not made_clips(held)
    assert len(runway.tasks) == tasks
