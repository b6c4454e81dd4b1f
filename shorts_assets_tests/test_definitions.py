import json
import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, AssetsDefinition

from shorts_assets.config import Settings
from shorts_assets.definitions import build_definitions

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ["idea", "script", "narration", "clips", "rendered_video", "published_post"]


def job_assets(defs, job: str) -> set[str]:
    """The assets a job's steps make (one step may make several: `scenes`)."""
    nodes = {node.name for node in defs.resolve_job_def(job).nodes_in_topological_order}
    return {key.to_user_string() for assets in defs.assets if isinstance(assets, AssetsDefinition)
            and assets.node_def.name in nodes for key in assets.keys}


def test_the_six_assets_over_content_item_and_the_metrics_over_live_posts(tmp_path):
    defs = build_definitions(Settings.from_env({"SHORTS_HOME": str(tmp_path)}))
    graph = defs.resolve_asset_graph()
    for key in ASSETS:
        node = graph.get(AssetKey(key))
        assert node.partitions_def.name == "content_item", key
    assert graph.get(AssetKey("post_metrics")).partitions_def.name == "live_post"
    assert graph.get(AssetKey("publishing_queue")).is_external  # the publishing_slots sensor reports it
    assert job_assets(defs, "content_pipeline") == set(ASSETS)
    assert job_assets(defs, "produce_content") == set(ASSETS[:5])
    assert job_assets(defs, "publish_content") == {"published_post"}
    assert job_assets(defs, "analytics_cycle") == {"post_metrics", "channel_analytics", "content_strategy",
                                                   "idea_proposals"}
    sensors = {s.name: s.default_status.value for s in defs.sensors}
    assert set(sensors.values()) == {"RUNNING"}
    assert set(sensors) == {"content_sheet_sensor", "sheet_sync", "publishing_slots"}


def test_dagster_definitions_validate(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "SHORTS_HOME": str(tmp_path)}
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_misconfigured_environment_stops_the_code_location(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "SHORTS_VOICE": "robot"}
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode != 0
    assert "SHORTS_VOICE names 'robot', which is not supported" in proc.stdout + proc.stderr


def test_the_graph_shows_that_scripts_read_the_strategy(tmp_path):
    """The writer gets the strategy's hints: the UI's graph draws that edge."""
    graph = build_definitions(Settings.from_env({"SHORTS_HOME": str(tmp_path)})).resolve_asset_graph()
    assert AssetKey("content_strategy") in graph.get(AssetKey("script")).parent_keys
    assert AssetKey("post_metrics") in graph.get(AssetKey("channel_analytics")).parent_keys


# What a run worker with the offline providers must not import: each costs start-up time, and
# is imported where its service (or the analytics run, or a store on S3) is used.
SELECTED_ONLY = ("openai", "elevenlabs", "runwayml", "googleapiclient", "gspread", "google.auth", "pandas",
                 "dagster_aws")
SELECTING = ("SHORTS_", "OPENAI_", "ELEVENLABS_", "RUNWAYML_", "PEXELS_", "YOUTUBE_", "TIKTOK_", "INSTAGRAM_",
             "GOOGLE_", "S3_")


def test_the_offline_definitions_import_no_vendor_sdk_pandas_or_aws(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith(SELECTING)}
    code = "import json, sys; import shorts_assets.definitions; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**env, "SHORTS_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.splitlines()[-1])
    assert "shorts_assets.definitions" in loaded
    assert [name for name in loaded if name.startswith(tuple(f"{top}." for top in SELECTED_ONLY))
            or name in SELECTED_ONLY] == []
