"""The production instance against real servers: Postgres, moto's S3 server, the code server,
dagster-daemon and dagster-webserver as separate processes (the `make prod-local` stack).

The tests share one stack and the items its first rows make; each reads what it checks
from the servers themselves: rows in Postgres, objects in the bucket, events in the log.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
import urllib.request
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlsplit, urlunsplit

import boto3
import psycopg2
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from shorts_assets.pools import current, read_limits
from shorts_assets.prod_local import BUCKET, DEPLOY, Stack
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets_tests.browser import FLAGS, chromium
from shorts_assets_tests.conftest import GOOD_ROW, quick_queue, read_sheet, write_sheet
from shorts_assets_tests.webui import ASSETS, graphql, materializations, per_item_assets, wait_for

pytestmark = pytest.mark.slow

FIRST_TOPICS = ["honeybees", "wasps", "ants"]
LINK_HOURS = 2  # SHORTS_LINK_HOURS: how long the presigned links in the UI's metadata work
MAX_RUNS = 2  # deploy/dagster.yaml's concurrency.runs.max_concurrent_runs


def rows(topics):
    return [{**GOOD_ROW, "topic": topic} for topic in topics]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("prod")
    write_sheet(root / "content_sheet.csv", rows(FIRST_TOPICS))
    instance = quick_queue(DEPLOY / "dagster.yaml", root / "instance")  # production's, the queue polled each second
    links = {"SHORTS_LINK_HOURS": str(LINK_HOURS)}
    with Stack(root, instance_config=instance, extra_env=links) as running, pytest.MonkeyPatch.context() as env:
        for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD",
                     "DAGSTER_PG_DB", "DAGSTER_COMPUTE_LOGS_BUCKET", "S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                     "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
            env.setenv(name, running.env[name])
        yield running


@pytest.fixture(scope="module")
def instance(stack):
    with DagsterInstance.from_config(str(stack.home)) as opened:
        yield opened


def sheet(stack: Stack) -> list[dict[str, str]]:
    return read_sheet(stack.root / "content_sheet.csv")


def wait_published(stack: Stack, topics, timeout: float) -> dict[str, str]:
    """topic -> item id, once every row of these topics says published."""
    def done():
        by_topic = {row["topic"]: row for row in sheet(stack) if row["topic"] in topics}
        failed = {t: row["notes"] for t, row in by_topic.items() if row["status"] == "failed"}
        assert not failed, failed
        return len(by_topic) == len(topics) and all(r["status"] == "published" for r in by_topic.values())
    wait_for(done, timeout, f"{topics} to be published")
    return {row["topic"]: row["item_id"] for row in sheet(stack) if row["topic"] in topics}


@pytest.fixture(scope="module")
def produced(stack) -> dict[str, str]:
    return wait_published(stack, FIRST_TOPICS, 400)


def bucket_keys(stack: Stack, prefix: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=stack.s3_endpoint)
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def postgres_count(stack: Stack, sql: str) -> int:
    db = psycopg2.connect(host="127.0.0.1", port=stack.postgres.port, user=stack.postgres.user,
                          password=stack.postgres.password, dbname=stack.postgres.database)
    with closing(db), db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_the_daemon_produces_sheet_rows_into_postgres_and_s3(stack, instance, produced):
    assert set(produced) == set(FIRST_TOPICS)
    for item in produced.values():
        for asset in ASSETS:
            assert f"store/{asset}/{item}/record.json" in bucket_keys(stack, f"store/{asset}/{item}/"), asset
        media = bucket_keys(stack, f"store/rendered_video/{item}/")
        assert {f"store/rendered_video/{item}/video.mp4", f"store/rendered_video/{item}/thumbnail.jpg"} <= set(media)
    posted = [json.loads(post.read_text())["item_id"] for post in (stack.root / "sandbox_channel").glob("*/post.json")]
    assert sorted(posted) == sorted(produced.values())  # on the simulated channel, once each
    assert not (stack.root / "store").exists()  # records and media are only in the bucket

    runs = instance.get_runs(RunsFilter(job_name="content_pipeline"))
    assert {run.tags["dagster/partition"] for run in runs} == set(produced.values())
    assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
    assert postgres_count(stack, "SELECT count(*) FROM runs WHERE status = 'SUCCESS'") >= len(produced)
    assert postgres_count(stack, "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'"
                          ) >= len(produced) * len(ASSETS)

    logs = bucket_keys(stack, "compute-logs/")
    for run in runs:
        assert any(key.startswith(f"compute-logs/storage/{run.run_id}/") for key in logs), run.run_id


SIGV4 = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"}


def resigned(url: str, stack: Stack, expires: str) -> str:
    """The SigV4 signature of `url` with its X-Amz-Expires set to `expires`, computed again with the
    stack's keys at the URL's signing time (X-Amz-Date), as S3 does to check a presigned URL."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    request = AWSRequest(method="GET", url=urlunsplit(parts._replace(query="")))
    keys = Credentials(stack.env["AWS_ACCESS_KEY_ID"], stack.env["AWS_SECRET_ACCESS_KEY"])
    region = query["X-Amz-Credential"][0].split("/")[2]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
        S3SigV4QueryAuth(keys, "s3", region, expires=int(expires)).add_auth(request)
    return parse_qs(urlsplit(request.url).query)["X-Amz-Signature"][0]


def test_the_video_link_is_a_presigned_url_that_downloads_the_exact_bytes_and_expires_as_stated(stack, produced):
    item = produced["honeybees"]
    data = graphql(stack.web_url, """query($p: [String!]) { assetOrError(assetKey: {path: ["rendered_video"]}) {
      ... on Asset { assetMaterializations(partitions: $p, limit: 1) { metadataEntries { label
        ... on UrlMetadataEntry { url } ... on TimestampMetadataEntry { timestamp } } } } } }""", {"p": [item]})
    [latest] = data["assetOrError"]["assetMaterializations"]
    entries = {entry["label"]: entry for entry in latest["metadataEntries"]}
    url, stated = entries["video"]["url"], datetime.fromtimestamp(entries["video_link_expires"]["timestamp"], UTC)
    assert url.startswith(f"{stack.s3_endpoint}/{BUCKET}/store/rendered_video/{item}/video.mp4?")
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert set(query) == SIGV4, sorted(query)  # the key's id and a signature: no secret, no session token

    with urllib.request.urlopen(url, timeout=30) as response:  # no credentials: the URL is all it takes
        video = response.read()
    record = boto3.client("s3", endpoint_url=stack.s3_endpoint).get_object(
        Bucket=BUCKET, Key=f"store/rendered_video/{item}/record.json")["Body"].read()
    assert hashlib.sha256(video).hexdigest() == json.loads(record)["record"]["video"]["sha256"]

    lifetime = int(query["X-Amz-Expires"])
    assert lifetime == LINK_HOURS * 3600
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(signed_at + timedelta(seconds=lifetime) - stated) <= timedelta(seconds=1)  # signed within a second
    # The expiry is signed: S3 computes the signature again from the URL's parameters, so a URL whose
    # X-Amz-Expires was changed no longer matches and is refused (403 SignatureDoesNotMatch). moto does
    # not check a presigned URL's signature or expiry at all, so this is shown by signing again as S3 does.
    later = str(lifetime + 3600)
    assert resigned(url, stack, query["X-Amz-Expires"]) == query["X-Amz-Signature"]
    assert resigned(url, stack, later) != query["X-Amz-Signature"]
    with urllib.request.urlopen(url.replace(f"X-Amz-Expires={lifetime}", f"X-Amz-Expires={later}"), timeout=30) as got:
        assert got.read() == video  # moto's way, found here; the day it checks, this says so


def intervals(instance: DagsterInstance, runs, step: str) -> list[tuple[float, float]]:
    spans = []
    for run in runs:
        events = instance.all_logs(run.run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS})
        times = {event.dagster_event.event_type: event.timestamp for event in events if event.step_key == step}
        spans.append((times[DagsterEventType.STEP_START], times[DagsterEventType.STEP_SUCCESS]))
    return sorted(spans)


def most_at_once(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    level = peak = 0
    for _, change in edges:
        level += change
        peak = max(peak, level)
    return peak


def test_render_pool_and_run_queue_limits_hold(stack, instance, produced):
    limits = read_limits(DEPLOY / "pools.yaml")
    assert current(instance, limits) == limits
    assert limits["render"] == 1

    runs = instance.get_runs(RunsFilter(job_name="content_pipeline"))
    records = instance.get_run_records(RunsFilter(run_ids=[run.run_id for run in runs]))
    run_spans = [(record.start_time, record.end_time) for record in records]
    assert most_at_once(run_spans) == MAX_RUNS  # items did run side by side, never more than the queue allows
    assert most_at_once(intervals(instance, runs, "rendered_video")) == 1  # but one render at a time


def test_webserver_lists_the_factory_and_backfills_two_items_through_the_daemon(stack, produced):
    url = stack.web_url
    locations = graphql(url, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }")
    assert locations["workspaceOrError"]["locationEntries"] == [{"name": "shorts_assets", "loadStatus": "LOADED"}]
    assert {node["assetKey"]["path"][0] for node in per_item_assets(url)} >= ASSETS
    partitions = graphql(url, """{ assetNodeOrError(assetKey: {path: ["rendered_video"]}) {
        ... on AssetNode { partitionKeysByDimension { partitionKeys } } } }""")
    assert set(partitions["assetNodeOrError"]["partitionKeysByDimension"][0]["partitionKeys"]) >= set(produced.values())

    two = sorted(produced.values())[:2]
    launched = graphql(url, """mutation($params: LaunchBackfillParams!) {
        launchPartitionBackfill(backfillParams: $params) {
            __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
                       {"params": {"partitionNames": two, "assetSelection": [{"path": ["rendered_video"]}],
                                   "fromFailure": False, "tags": []}})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched

    def finished():
        status = graphql(url, """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
            ... on PartitionBackfill { status } } }""", {"id": launched["backfillId"]})
        status = status["partitionBackfillOrError"]["status"]
        return status if status not in ("REQUESTED", "CANCELING", "FAILING") else None
    assert wait_for(finished, 240, "the backfill") in ("COMPLETED", "COMPLETED_SUCCESS")
    for item in two:
        assert materializations(url, "rendered_video", item) == 2
        assert materializations(url, "narration", item) == 1  # the backfill re-rendered, nothing upstream


def browse(url: str, profile: Path, *output: str) -> subprocess.CompletedProcess:
    """Headless Chromium's one-shot output of a page (its DOM, a screenshot)."""
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=30000", *output,
                           url], capture_output=True, text=True, timeout=120)


def test_a_browser_shows_the_asset_graph(stack, produced, tmp_path):
    graphql(stack.web_url, "mutation { setNuxSeen }")  # what dismissing the first-visit newsletter box does
    page = f"{stack.web_url}/locations/shorts_assets/asset-groups/production"
    shown = {"idea", "script", "narration", "clips", "rendered_video", "published_post"}  # the group and its edges
    for attempt in range(3):
        text = browse(page, tmp_path / f"profile-dom-{attempt}", "--dump-dom").stdout
        if all(name in text for name in shown):
            break
    assert all(name in text for name in shown), [name for name in shown if name not in text]
    assert "Asset Group in" in text and "shorts_assets" in text

    shot = tmp_path / "asset-graph.png"
    browse(page, tmp_path / "profile-shot", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_restarting_the_daemon_and_webserver_mid_queue_loses_no_run(stack, instance, produced):
    topics = ["termites", "hornets", "moths", "crickets"]
    CsvSheet(path=str(stack.root / "content_sheet.csv")).append_rows(rows(topics))

    def new_runs():
        return [run for run in instance.get_runs(RunsFilter(job_name="content_pipeline"))
                if run.tags["dagster/partition"] not in produced.values()]

    def mid_queue():
        statuses = [run.status for run in new_runs()]
        return len(statuses) == len(topics) and DagsterRunStatus.STARTED in statuses \
            and DagsterRunStatus.QUEUED in statuses
    wait_for(mid_queue, 120, "runs both started and queued")
    stack.stop_process("daemon")
    stack.stop_process("webserver")
    queued = {run.run_id for run in new_runs() if run.status == DagsterRunStatus.QUEUED}
    time.sleep(5)
    assert {run.run_id for run in new_runs() if run.status == DagsterRunStatus.QUEUED} == queued  # nobody dequeues

    stack.start_daemon()
    stack.start_webserver()
    made = wait_published(stack, topics, 400)
    runs = new_runs()
    assert sorted(run.tags["dagster/partition"] for run in runs) == sorted(made.values())  # one run an item
    assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
