"""What an item waits for with real services: one item of six scenes through the real clients
(openai, elevenlabs, google-api-python-client), each talking to its local fake, which answers as
slowly as the service does (writer 3 s, voice 2 s a request, image 8 s, upload 4 s; seeded
jitter of +-20 %). The item's wall time is set against

- its critical path: the writer, the slowest scene's voice or image, the render, the upload
  (what the item must wait for however its calls are arranged), and
- the sum of all calls: every wait of the services plus the render (calls made one after another).

It runs twice: with every scene asked at once (SHORTS_SCENE_CONCURRENCY=6, what the critical path
assumes) and at the default bound of 4, where six pictures take two rounds.

    .venv/bin/python -m bench.latency
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

from bench import save
from shorts_assets.config import Settings
from shorts_assets.definitions import build_definitions
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets_tests.conftest import GOOD_ROW, write_sheet
from shorts_assets_tests.fakes import Latency
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.openai_api import FakeOpenAI
from shorts_assets_tests.fakes.youtube_api import UPLOAD_VIDEOS, FakeYouTube

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latency.json"
ITEM = "octopus-latency"
WRITER, IMAGE = ("POST", "/v1/chat/completions"), ("POST", "/v1/images")
VOICE, UPLOAD = ("POST", "/v1/text-to-speech"), ("PUT", UPLOAD_VIDEOS)
SECONDS = {WRITER: 3.0, VOICE: 2.0, IMAGE: 8.0, UPLOAD: 4.0}
MAX_RATIO = 1.3
# hook + four beats + call to action: six scenes, about 30 s of narration at the fake's pace
BEATS = ["An octopus has three hearts and blue blood, because copper carries its oxygen.",
         "Two thirds of its neurons live in its arms, so each arm can taste and decide alone.",
         "It changes the colour and texture of its skin in a fraction of a second.",
         "Some carry coconut shells around and hide inside them when danger comes near."]
SCRIPT = {"title": "Octopuses are stranger than you think", "hook": "Did you know an octopus has three hearts?",
          "beats": [{"narration": beat, "visual_prompt": f"an octopus on a reef, scene {n}",
                     "search_terms": ["octopus", "coral reef"]} for n, beat in enumerate(BEATS, start=1)],
          "style": {"palette": ["#0b3c5d", "#f2c14e", "#e8eef2"], "medium": "underwater photography",
                    "era": "today"},
          "description": "Three hearts, blue blood and arms that think.", "hashtags": ["#octopus", "#nature"],
          "call_to_action": "Follow for more about the ocean."}


def waits(latency: Latency, call: tuple[str, str]) -> list[float]:
    return [seconds for prefix, seconds in latency.waited if prefix == call[1]]


def step_seconds(instance: DagsterInstance, run_id: str) -> dict[str, float]:
    """Each step's start to its success, from the run's event log: where the wall time went."""
    started, took = {}, {}
    for event in instance.all_logs(run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}):
        if event.dagster_event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = event.timestamp
        else:
            took[event.step_key] = round(event.timestamp - started[event.step_key], 1)
    return took


def measure(at_once: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as folder, FakeOpenAI() as openai, \
            FakeElevenLabs() as elevenlabs, FakeYouTube() as youtube, DagsterInstance.ephemeral() as instance:
        latency = Latency(SECONDS, jitter=0.2, seed=15)
        for fake in (openai, elevenlabs, youtube):
            fake.delay = latency
        openai.queue_reply(content=json.dumps(SCRIPT))
        write_sheet(Path(folder) / "content_sheet.csv", [{**GOOD_ROW, "topic": "octopuses", "item_id": ITEM,
                                                         "target_seconds": "30"}])
        env = {"SHORTS_HOME": folder, "SHORTS_REVIEW": "auto", "SHORTS_WRITER": "openai",
               "SHORTS_VOICE": "elevenlabs", "SHORTS_FOOTAGE": "openai-images", "SHORTS_PLATFORMS": "youtube",
               "OPENAI_API_KEY": openai.api_key, "OPENAI_BASE_URL": f"{openai.url}/v1",
               "ELEVENLABS_API_KEY": elevenlabs.api_key, "ELEVENLABS_BASE_URL": elevenlabs.url,
               "YOUTUBE_AUTHORIZED_USER_FILE": str(youtube.authorized_user_file(Path(folder) / "yt.json")),
               "YOUTUBE_API_ROOT": f"{youtube.url}/", "SHORTS_SCENE_CONCURRENCY": str(at_once)}
        os.environ.update(env)  # secrets are EnvVars, read when the run starts
        job = build_definitions(Settings.from_env(env)).resolve_job_def("content_pipeline")
        instance.add_dynamic_partitions(content_items.name, [ITEM])
        started = time.perf_counter()
        result = job.execute_in_process(partition_key=ITEM, instance=instance)
        wall = time.perf_counter() - started
        assert result.success and len(youtube.uploads) == 1, "the item did not reach YouTube"
        assert len(waits(latency, WRITER)) == 1, "the writer was asked twice: SCRIPT no longer fits its schema"
        steps = {event.asset_key.path[-1]: event.materialization.metadata
                 for event in result.get_asset_materialization_events()}
        render = steps["rendered_video"]["render_seconds"].value
        scenes = max(waits(latency, VOICE) + waits(latency, IMAGE))
        critical = sum(waits(latency, WRITER)) + scenes + render + sum(waits(latency, UPLOAD))
        called = sum(seconds for _, seconds in latency.waited) + render
        return {
            "scenes": len(waits(latency, IMAGE)),
            "scenes_at_once": at_once,
            "calls": {name: len(waits(latency, call)) for name, call in
                      (("writer", WRITER), ("voice", VOICE), ("image", IMAGE), ("upload", UPLOAD))},
            "service_seconds": {name: round(sum(waits(latency, call)), 1) for name, call in
                                (("writer", WRITER), ("voice", VOICE), ("image", IMAGE), ("upload", UPLOAD))},
            "render_s": round(render, 1),
            "steps_s": step_seconds(instance, result.run_id),
            "wall_s": round(wall, 1),
            "critical_path_s": round(critical, 1),
            "sum_of_calls_s": round(called, 1),
            "wall_over_critical_path": round(wall / critical, 2),
            "wall_over_sum_of_calls": round(wall / called, 2),
            "target": {"wall_over_critical_path": MAX_RATIO},
        }


def main() -> None:
    save(RESULTS, {"every_scene_at_once": measure(len(SCRIPT["beats"]) + 2),
                   "default_bound": measure(Policy.model_fields["scene_concurrency"].default)})


if __name__ == "__main__":
    main()
