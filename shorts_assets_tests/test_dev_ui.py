"""`make dev`: the web UI and daemon on one Dagster home, driven through GraphQL as the UI does."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shorts_assets.demo import stop_group
from shorts_assets_tests.conftest import GOOD_ROW, free_port, quick_queue, read_sheet, write_sheet
from shorts_assets_tests.webui import ASSETS, graphql, materializations, per_item_assets, run_status, wait_for

ROOT = Path(__file__).resolve().parent.parent

LAUNCH = """mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""


@pytest.mark.slow
def test_dev_serves_the_factory_and_rematerializes_one_asset_of_one_item(tmp_path):
    write_sheet(tmp_path / "content_sheet.csv", [GOOD_ROW])
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SHORTS_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dagster")}
    quick_queue(ROOT / "dagster.yaml", tmp_path / "dagster")  # `make dev`'s instance, the queue polled each second
    with open(tmp_path / "dev.log", "wb") as log:
        dev = subprocess.Popen([str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml",
                                "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT, env=env, start_new_session=True,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        per_item = wait_for(lambda: per_item_assets(url), 120, "the web UI")
        partitioned_by = {n["assetKey"]["path"][0]: n["partitionDefinition"] for n in per_item}
        assert set(partitioned_by) >= ASSETS | {"post_metrics"}
        for name, definition in partitioned_by.items():
            assert definition["type"] == "DYNAMIC"
            expected = "live_post" if name == "post_metrics" else "content_item"
            assert definition["dimensionTypes"][0]["dynamicPartitionsDefinitionName"] == expected, name

        # the RUNNING sheet sensor produces the row without anyone asking
        wait_for(lambda: read_sheet(tmp_path / "content_sheet.csv")[0]["status"] == "published", 240, "the item")
        item = read_sheet(tmp_path / "content_sheet.csv")[0]["item_id"]
        assert materializations(url, "rendered_video", item) == 1

        # what the UI's "Materialize" does for one asset and one partition
        launched = graphql(url, LAUNCH, {"params": {
            "selector": {"repositoryLocationName": "shorts_assets", "repositoryName": "__repository__",
                         "pipelineName": "__ASSET_JOB", "assetSelection": [{"path": ["rendered_video"]}],
                         "assetCheckSelection": []},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": item}]},
        }})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        status = wait_for(lambda: run_status(url, run_id) if run_status(url, run_id) in ("SUCCESS", "FAILURE")
                          else None, 180, "the rematerialization")
        assert status == "SUCCESS"
        assert materializations(url, "rendered_video", item) == 2
        assert materializations(url, "narration", item) == 1  # upstream reused, not recomputed
    finally:
        stop_group(dev)
