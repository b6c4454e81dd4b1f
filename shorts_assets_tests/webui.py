"""Talking to a running dagster-webserver as the UI does: GraphQL over HTTP."""

import json
import time
import urllib.request

ASSETS = {"idea", "script", "narration", "clips", "rendered_video", "published_post"}


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
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
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def per_item_assets(url: str) -> list[dict]:
    """The partitioned asset nodes, with their partition definitions."""
    nodes = graphql(url, """{ assetNodes { assetKey { path }
        partitionDefinition { type dimensionTypes { dynamicPartitionsDefinitionName } } } }""")["assetNodes"]
    return [node for node in nodes if node["partitionDefinition"]]


def materializations(url: str, asset: str, partition: str) -> int:
    data = graphql(url, """query($key: AssetKeyInput!, $p: [String!]) {
      assetOrError(assetKey: $key) { ... on Asset { assetMaterializations(partitions: $p) { runId } } } }""",
                   {"key": {"path": [asset]}, "p": [partition]})
    return len(data["assetOrError"]["assetMaterializations"])


def run_status(url: str, run_id: str) -> str:
    data = graphql(url, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})
    return data["runOrError"]["status"]
