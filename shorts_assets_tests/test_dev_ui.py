"""`make dev`: the web UI and daemon on one Dagster home, driven through GraphQL as the UI does."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from shorts_assets.demo import stop_group
from shorts_assets_tests.conftest import GOOD_ROW, free_port, read_sheet, write_sheet

ROOT = Path(__file__).resolve().parent.parent
ASSETS = {"idea", "script", "narration", "clips", "rendered_video", "published_post", "post_metrics"}

LAUNCH = """mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return body["data"]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def materializations(port: int, asset: str, partition: str) -> int:
    data = graphql(port, """query($key: AssetKeyInput!, $p: [String!]) {
      assetOrError(assetKey: $key) { ... on Asset { assetMaterializations(partitions: $p) { runId } } } }""",
                   {"key": {"path": [asset]}, "p": [partition]})
    return len(data["assetOrError"]["assetMaterializations"])


def run_status(port: int, run_id: str) -> str:
    data = graphql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})
    return data["runOrError"]["status"]


@pytest.mark.slow
def test_dev_serves_the_factory_and_rematerializes_one_asset_of_one_item(tmp_path):
    write_sheet(tmp_path / "content_sheet.csv", [GOOD_ROW])
    port = free_port()
    env = {**os.environ, "SHORTS_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dagster")}
    (tmp_path / "dagster").mkdir()
    (tmp_path / "dagster" / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    with open(tmp_path / "dev.log", "wb") as log:
        dev = subprocess.Popen([str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml",
                                "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT, env=env, start_new_session=True,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        nodes = wait_for(lambda: graphql(port, """{ assetNodes { assetKey { path }
                           partitionDefinition { type dimensionTypes { dynamicPartitionsDefinitionName } } } }"""),
                         120, "the web UI")["assetNodes"]
        per_item = [n for n in nodes if n["partitionDefinition"]]
        assert {n["assetKey"]["path"][0] for n in per_item} >= ASSETS
        for node in per_item:
            assert node["partitionDefinition"]["type"] == "DYNAMIC"
            assert node["partitionDefinition"]["dimensionTypes"][0]["dynamicPartitionsDefinitionName"] == "content_item"

        # the RUNNING sheet sensor produces the row without anyone asking
        wait_for(lambda: read_sheet(tmp_path / "content_sheet.csv")[0]["status"] == "published", 240, "the item")
        item = read_sheet(tmp_path / "content_sheet.csv")[0]["item_id"]
        assert materializations(port, "rendered_video", item) == 1

        # what the UI's "Materialize" does for one asset and one partition
        launched = graphql(port, LAUNCH, {"params": {
            "selector": {"repositoryLocationName": "shorts_assets", "repositoryName": "__repository__",
                         "pipelineName": "__ASSET_JOB", "assetSelection": [{"path": ["rendered_video"]}],
                         "assetCheckSelection": []},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": item}]},
        }})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        status = wait_for(lambda: run_status(port, run_id) if run_status(port, run_id) in ("SUCCESS", "FAILURE")
                          else None, 180, "the rematerialization")
        assert status == "SUCCESS"
        assert materializations(port, "rendered_video", item) == 2
        assert materializations(port, "narration", item) == 1  # upstream reused, not recomputed
    finally:
        stop_group(dev)
