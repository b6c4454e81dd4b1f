"""What a change costs: the real clients (openai, elevenlabs) against the local fakes, counting
every request the services receive.

1. A new caption style, rendered_video rematerialized alone: zero writer, voice and footage
   calls; the time is the render's.
2. One scene of a script edited in its sheet row, the item then produced again: only that
   scene is spoken again; the others come from the store's voice cache.

    .venv/bin/python -m bench.rematerialize
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from dagster import AssetKey, DagsterInstance

from bench import save
from shorts_assets.config import Settings
from shorts_assets.definitions import build_definitions
from shorts_assets.partitions import content_items
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets_tests.conftest import GOOD_ROW, write_sheet
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.openai_api import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "rematerialize.json"
SCRIPT = ("Why do bees dance? A honeybee that finds flowers flies home and dances a figure of eight. "
          "The angle of the dance points to the flowers. The length of the waggle tells how far they are. "
          "Other bees read it in the dark of the hive. Then they fly straight there.")
EDITED = SCRIPT.replace("how far they are", "how far away they are")
STYLE = {"highlight_rgb": "00FFAA", "font_size": 120, "words_per_line": 2}


def calls(openai: FakeOpenAI, elevenlabs: FakeElevenLabs) -> dict[str, int]:
    return {"writer": len(openai.calls("POST", "/v1/chat/completions")),
            "footage": len(openai.calls("POST", "/v1/images")),
            "voice": len(elevenlabs.calls("POST", "/v1/text-to-speech"))}


def run(job, instance, item: str, **options):
    instance.add_dynamic_partitions(content_items.name, [item])
    started = time.perf_counter()
    result = job.execute_in_process(partition_key=item, instance=instance, **options)
    assert result.success, f"{job.name} failed for {item}"
    return result, time.perf_counter() - started


def measure() -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-remat-") as folder, FakeOpenAI() as openai, \
            FakeElevenLabs() as elevenlabs, DagsterInstance.ephemeral() as instance:
        sheet = str(write_sheet(Path(folder) / "content_sheet.csv", [
            {**GOOD_ROW, "item_id": "bees-bench"},
            {**GOOD_ROW, "topic": "bee dances", "script": SCRIPT, "target_seconds": "30", "item_id": "bee-dances"}]))
        env = {"SHORTS_HOME": folder, "SHORTS_PLATFORMS": "sandbox", "SHORTS_REVIEW": "auto",
               "SHORTS_WRITER": "openai", "SHORTS_FOOTAGE": "openai-images", "SHORTS_VOICE": "elevenlabs",
               "OPENAI_API_KEY": openai.api_key, "OPENAI_BASE_URL": f"{openai.url}/v1",
               "ELEVENLABS_API_KEY": elevenlabs.api_key, "ELEVENLABS_BASE_URL": elevenlabs.url}
        os.environ.update(env)  # secrets are EnvVars, read when the run starts
        produce = build_definitions(Settings.from_env(env)).resolve_job_def("produce_content")
        _, first_s = run(produce, instance, "bees-bench")
        made = calls(openai, elevenlabs)
        restyled, restyle_s = run(produce, instance, "bees-bench", asset_selection=[AssetKey("rendered_video")],
                                  run_config={"ops": {"rendered_video": {"config": STYLE}}})
        render_s = restyled.get_asset_materialization_events()[0].materialization.metadata["render_seconds"].value
        restyle_calls = {name: count - made[name] for name, count in calls(openai, elevenlabs).items()}

        # the writer is the row's own script here, so the edit is exactly one scene's
        byo = build_definitions(Settings.from_env({**env, "SHORTS_WRITER": "byo", "SHORTS_FOOTAGE": "procedural"}))
        produce = byo.resolve_job_def("produce_content")
        before = calls(openai, elevenlabs)["voice"]
        run(produce, instance, "bee-dances")
        scenes = calls(openai, elevenlabs)["voice"] - before
        CsvSheet(path=sheet).update_item("bee-dances", {"script": EDITED})
        edited, _ = run(produce, instance, "bee-dances")
        narration = next(e for e in edited.get_asset_materialization_events() if e.asset_key.path == ["narration"])
        return {
            "first_item": {"seconds": round(first_s, 1), "calls": made},
            "caption_style_change": {"run_s": round(restyle_s, 1), "render_s": render_s, "calls": restyle_calls,
                                     "target": "zero writer, voice and footage calls"},
            "one_scene_edited": {"scenes": scenes,
                                 "voice_calls": calls(openai, elevenlabs)["voice"] - before - scenes,
                                 "scenes_reused": narration.materialization.metadata["scenes_reused"].value,
                                 "target": "one voice call: only the edited scene"},
        }


def main() -> None:
    figures = measure()
    save(RESULTS, figures)


if __name__ == "__main__":
    main()
