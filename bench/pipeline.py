"""The factory through the production-shaped instance on one machine (`make prod-local`'s
stack: Postgres, moto's S3, code server, daemon, webserver).

1. Batch: six items (the three sample ideas, twice; 25-45 s each) from the sensor tick that
   queued them to the last post. The busy time is the union of every step's execution,
   across runs; whatever of the wall clock it does not cover is the orchestration's:
   sensor, queue, run launch, process start.
2. Partition scale: the same instance with 10,000 content items, 1,000 of them published:
   the sheet sensor's tick, the analytics schedule's evaluation and the web UI's partition
   listing (GraphQL) are timed.

    .venv/bin/python -m bench.pipeline
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from dagster import (
    AssetMaterialization,
    DagsterEventType,
    DagsterInstance,
    RunsFilter,
    build_schedule_context,
    build_sensor_context,
)

from bench import save
from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.automation.schedules import analytics_schedule
from shorts_assets.demo import SAMPLE_SHEET
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets.prod_local import Stack
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets_tests.conftest import GOOD_ROW, write_sheet

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PARTITIONS = 10_000
PUBLISHED = 1_000  # each a materialization event written one by one: 10,000 would take minutes


def busy_seconds(spans: list[tuple[float, float]]) -> float:
    """How long at least one step was executing: the union of the spans."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def batch(instance: DagsterInstance, stack: Stack, items: int) -> dict:
    wait_published(stack, items, timeout=600)
    runs = instance.get_runs(RunsFilter(job_name="content_pipeline"))
    records = instance.get_run_records(RunsFilter(run_ids=[run.run_id for run in runs]))
    created = min(record.create_timestamp.timestamp() for record in records)
    spans, posts, launches = [], [], []
    for record in records:
        events = instance.all_logs(record.dagster_run.run_id)
        started: dict[str, float] = {}
        for event in events:
            kind = event.dagster_event.event_type if event.dagster_event else None
            if kind == DagsterEventType.RUN_START:
                launches.append(event.timestamp - record.create_timestamp.timestamp())
            elif kind == DagsterEventType.STEP_START:
                started[event.step_key] = event.timestamp
            elif kind == DagsterEventType.STEP_SUCCESS:
                spans.append((started[event.step_key], event.timestamp))
            elif kind == DagsterEventType.ASSET_MATERIALIZATION and event.step_key == "published_post":
                posts.append(event.timestamp)
    wall = max(posts) - created
    busy = busy_seconds([(start, min(end, max(posts))) for start, end in spans if start < max(posts)])
    return {
        "items": len(records),
        "wall_s": round(wall, 1),
        "compute_sum_s": round(sum(end - start for start, end in spans), 1),
        "busy_s": round(busy, 1),
        "overhead_s": round(wall - busy, 1),
        "overhead_share": round((wall - busy) / wall, 3),
        "median_queue_to_run_start_s": round(statistics.median(launches), 1),
        "targets": {"wall_s": 180, "overhead_share": 0.15},
    }


def wait_published(stack: Stack, items: int, timeout: float) -> None:
    sheet = CsvSheet(path=str(stack.root / "content_sheet.csv"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = [row.status for row in sheet.rows()]
        if "failed" in statuses:
            raise RuntimeError(f"an item failed: see {stack.logs}")
        if statuses.count("published") == items:
            return
        time.sleep(2)
    raise RuntimeError(f"the batch did not finish in {timeout:.0f} s")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)


def partition_scale(instance: DagsterInstance, stack: Stack) -> dict:
    keys = [f"bench-item-{n:05d}" for n in range(PARTITIONS)]
    loading = time.perf_counter()
    for start in range(0, PARTITIONS, 1000):
        instance.add_dynamic_partitions(content_items.name, keys[start:start + 1000])
    for key in keys[:PUBLISHED]:
        instance.report_runless_asset_event(AssetMaterialization(asset_key="published_post", partition=key))
    loaded = round(time.perf_counter() - loading, 1)

    with tempfile.TemporaryDirectory() as folder:
        sheet = write_sheet(Path(folder) / "sheet.csv", [{**GOOD_ROW, "topic": f"new topic {n}"} for n in range(10)])
        resources = {"sheet": CsvSheet(path=str(sheet)), "voice": EspeakVoice(),
                     "policy": Policy(review_required=False)}
        with build_sensor_context(instance=instance, resources=resources) as context:
            sensor_s = timed(lambda: content_sheet_sensor(context))
    schedule = analytics_schedule("0 * * * *")
    with build_schedule_context(instance=instance, scheduled_execution_time=datetime.now()) as context:
        schedule_s = timed(lambda: schedule(context))
    query = json.dumps({"query": """{ assetNodeOrError(assetKey: {path: ["rendered_video"]}) {
        ... on AssetNode { partitionKeysByDimension { partitionKeys } } } }"""}).encode()
    request = urllib.request.Request(f"{stack.web_url}/graphql", data=query,
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        listed = json.loads(response.read())["data"]["assetNodeOrError"]["partitionKeysByDimension"][0]["partitionKeys"]
    graphql_s = round(time.perf_counter() - started, 3)
    return {
        "partitions": len(instance.get_dynamic_partitions(content_items.name)),
        "published": PUBLISHED,
        "setup_s": loaded,
        "sensor_tick_10_new_rows_s": sensor_s,
        "analytics_schedule_evaluation_s": schedule_s,
        "graphql_partition_listing_s": graphql_s,
        "graphql_partitions_listed": len(listed),
        "targets": {"each_s": 5},
    }


def sample_rows(items: int) -> list[dict[str, str]]:
    with open(SAMPLE_SHEET, newline="", encoding="utf-8") as handle:
        samples = list(csv.DictReader(handle))
    return [{**samples[n % len(samples)], "topic": f"{samples[n % len(samples)]['topic']} {n // len(samples) + 1}"}
            for n in range(items)]


def measure(items: int = 6) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        root = Path(folder)
        write_sheet(root / "content_sheet.csv", sample_rows(items))
        with Stack(root) as stack:
            os.environ.update({name: value for name, value in stack.env.items()
                               if name.startswith(("DAGSTER_", "AWS_", "S3_"))})
            with DagsterInstance.from_config(str(stack.home)) as instance:
                return {"batch": batch(instance, stack, items), "partition_scale": partition_scale(instance, stack)}


def main() -> None:
    figures = measure()
    save(RESULTS / "pipeline.json", figures)


if __name__ == "__main__":
    main()
