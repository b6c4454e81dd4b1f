"""Reviewing from the web UI: `make demo` with review required leaves videos awaiting review, then
`make dev` serves them; a reviewer sees each video, the review queue, and approves or rejects
selected items, all through GraphQL as the UI does (and a headless browser for what it draws)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from shorts_assets.demo import stop_group
from shorts_assets_tests.browser import Browser
from shorts_assets_tests.conftest import GOOD_ROW, SMALL, free_port, quick_queue, read_sheet, video_env, write_sheet
from shorts_assets_tests.webui import graphql, materializations, per_item_assets, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["honeybees", "wasps", "ants"]


@dataclass
class ReviewUI:
    """A Dagster home after the demo, served by `dagster dev`: its web URL, sheet and store."""

    url: str
    home: Path  # SHORTS_HOME: the sheet, the store, the sandbox channel
    items: dict[str, str]  # topic -> item id, every one awaiting review

    @property
    def sheet(self) -> Path:
        return self.home / "content_sheet.csv"

    def rows(self) -> dict[str, dict[str, str]]:
        """item id -> its row as the sheet says now."""
        return {row["item_id"]: row for row in read_sheet(self.sheet)}


@pytest.fixture(scope="module")
def review_ui(tmp_path_factory):
    home = tmp_path_factory.mktemp("review")
    write_sheet(home / "content_sheet.csv", [{**GOOD_ROW, "topic": topic} for topic in TOPICS])
    env = {**os.environ, **video_env(SMALL), "SHORTS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "SHORTS_REVIEW": "required", "SHORTS_DEMO_TIMEOUT": "300"}
    quick_queue(ROOT / "dagster.yaml", home / "dagster")
    demo = subprocess.run([sys.executable, "-m", "shorts_assets.demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=420)
    rows = read_sheet(home / "content_sheet.csv")
    assert [row["status"] for row in rows] == ["awaiting review"] * len(TOPICS), demo.stdout + demo.stderr
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(home / "dev.log", "wb") as log:
        dev = subprocess.Popen([str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml",
                                "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT, env=env, start_new_session=True,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: per_item_assets(url), 120, "the web UI")
        yield ReviewUI(url=url, home=home, items={row["topic"]: row["item_id"] for row in rows})
    finally:
        stop_group(dev)


# A person's browser: the UI draws the metadata's markdown in a dialog behind "[Show Markdown]".
SHOW_MARKDOWN = "[...document.querySelectorAll('a')].find(a => a.textContent.trim() === '[Show Markdown]')"
DIALOG_IMAGES = """(() => { const images = [...document.querySelectorAll('[role=dialog] img')];
    return images.length && images.every(img => img.complete) ? JSON.stringify(images.map(
      img => [img.alt, img.src.slice(0, 23), img.naturalWidth, img.naturalHeight])) : null; })()"""
JPEG = "data:image/jpeg;base64,"


def shown_markdown(browser: Browser, page: str, what: str) -> list[list]:
    """Open `page`, click its first "[Show Markdown]" as a person would, and return the dialog's images
    once loaded: alt text, where from (the source's start) and natural width and height (0: not decoded)."""
    browser.open(page)
    browser.wait(f"!!{SHOW_MARKDOWN}", f"the {what} metadata")
    browser.evaluate(f"{SHOW_MARKDOWN}.click()")
    return json.loads(browser.wait(DIALOG_IMAGES, f"the {what} pictures"))


def test_a1_a_browser_shows_an_items_thumbnail_and_frames_on_its_rendered_video_page(review_ui, tmp_path):
    graphql(review_ui.url, "mutation { setNuxSeen }")  # what dismissing the first-visit newsletter box does
    item = review_ui.items["honeybees"]
    # through GraphQL: the item's latest render holds its pictures and the path that plays the stored video
    metadata = latest_metadata(review_ui.url, "rendered_video", item)
    pictures = re.findall(r"\]\(data:image/jpeg;base64,([A-Za-z0-9+/=]+)\)", metadata["preview"])
    assert len(pictures) == 2 and all(base64.b64decode(data)[:3] == b"\xff\xd8\xff" for data in pictures)
    video = Path(metadata["video"])
    assert video == review_ui.home / "store" / "rendered_video" / item / "video.mp4"
    assert f"`{video}`" in metadata["preview"]
    record = json.loads((video.parent / "record.json").read_text())["record"]
    assert hashlib.sha256(video.read_bytes()).hexdigest() == record["video"]["sha256"]
    with Browser(tmp_path / "profile") as browser:
        images = shown_markdown(browser, f"{review_ui.url}/assets/rendered_video?view=partitions&partition={item}",
                                "rendered_video")
        browser.wait("document.querySelector('[role=dialog]').innerText.includes('Play the video')", "the video link")
        said = browser.evaluate("document.querySelector('[role=dialog]').innerText")
        shot = browser.screenshot(tmp_path / "rendered_video.png")
    height = 320  # previews.THUMB_HEIGHT: the thumbnail at its natural size, decoded
    assert ["thumbnail", JPEG, SMALL.width * height // SMALL.height, height] in images, images
    [(_, source, width, height)] = [image for image in images if image[0] == "frames from across the video"]
    assert source == JPEG and width > height > 0  # the frames side by side
    assert f"store/rendered_video/{item}/video.mp4" in said and "honeybees" in said
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def latest_metadata(url: str, asset: str, partition: str | None = None) -> dict:
    """The latest materialization's markdown, integer and path entries (of `partition`), as the UI asks for them."""
    data = graphql(url, """query($key: AssetKeyInput!, $p: [String!]) { assetOrError(assetKey: $key) { ... on Asset {
      assetMaterializations(limit: 1, partitions: $p) { metadataEntries { label
        ... on MarkdownMetadataEntry { mdStr } ... on IntMetadataEntry { intValue }
        ... on PathMetadataEntry { path } } } } } }""",
                   {"key": {"path": [asset]}, "p": [partition] if partition else None})
    [latest] = data["assetOrError"]["assetMaterializations"] or [{"metadataEntries": []}]
    return {entry["label"]: entry.get("mdStr", entry.get("intValue", entry.get("path")))
            for entry in latest["metadataEntries"]}


def test_a2_the_review_queue_lists_every_item_awaiting_review_newest_first_and_links_each_page(review_ui, tmp_path):
    queue = wait_for(lambda: (found := latest_metadata(review_ui.url, "review_queue")).get("awaiting") == 3 and found,
                     60, "the review queue to list the three items")
    data = graphql(review_ui.url, """query($p: [String!]) { assetOrError(assetKey: {path: ["rendered_video"]}) {
      ... on Asset { assetMaterializations(partitions: $p) { partition timestamp } } } }""",
                   {"p": list(review_ui.items.values())})
    rendered = {m["partition"]: int(m["timestamp"]) for m in data["assetOrError"]["assetMaterializations"]}
    newest_first = sorted(review_ui.items.values(), key=lambda item: -rendered[item])
    text = queue["queue"]
    assert sorted(newest_first, key=lambda item: text.index(f"`{item}`")) == newest_first
    assert text.count("](data:image/jpeg;base64,") == 3

    with Browser(tmp_path / "profile") as browser:
        images = shown_markdown(browser, f"{review_ui.url}/assets/review_queue", "review_queue")
        shot = browser.screenshot(tmp_path / "review_queue.png")
        assert [alt for alt, _, _, _ in images] == [f"thumbnail of {item}" for item in newest_first]
        assert all(source == JPEG and width > 0 and height == 320 for _, source, width, height in images), images
        browser.evaluate("[...document.querySelectorAll('[role=dialog] a')].find(a => a.textContent == 'open').click()")
        browser.wait(f"location.search.includes('partition={newest_first[0]}')", "the item's page")
        browser.wait(f"!!{SHOW_MARKDOWN} && document.body.innerText.includes('{newest_first[0]}')", "its metadata")
    assert shot.stat().st_size > 20_000


# -- acting from the UI: a backfill over the selected items, the decision as its run config ------------

LAUNCH = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
BACKFILL_RUNS = """query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
  ... on Runs { results { status tags { key value } } } } }"""
ACTED = 300  # s: the backfill daemon's tick (30 s), the runs, the sheet sync's ticks that follow


def launch(url: str, config: dict, items: list[str], asset: str | None = None, job: str | None = None) -> str:
    """A backfill of `items` as the UI launches it, over an asset (the asset page's selection) or a job's
    partition set (the job's partitions page), with the launchpad's config; its id."""
    target = ({"assetSelection": [{"path": [asset]}]} if asset else {"selector": {
        "partitionSetName": f"{job}_partition_set",
        "repositorySelector": {"repositoryName": "__repository__", "repositoryLocationName": "shorts_assets"}}})
    op = asset or {"retract_content": "retracted_post"}[job]
    answer = graphql(url, LAUNCH, {"params": {**target, "partitionNames": items,
                                              "runConfigData": {"ops": {op: {"config": config}}}}})
    launched = answer["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def backfill_runs(url: str, backfill: str) -> list[dict]:
    """The backfill's runs: status and partition of each."""
    runs = graphql(url, BACKFILL_RUNS, {"tags": [{"key": "dagster/backfill", "value": backfill}]})
    return [{"status": run["status"], "partition": {t["key"]: t["value"] for t in run["tags"]}["dagster/partition"]}
            for run in runs["runsOrError"]["results"]]


def ended(url: str, backfill: str, count: int) -> list[dict] | None:
    runs = backfill_runs(url, backfill)
    done = len(runs) == count and all(run["status"] in ("SUCCESS", "FAILURE", "CANCELED") for run in runs)
    return runs if done else None


def sandbox_posts(ui: ReviewUI) -> dict[str, dict]:
    """item id -> its post on the sandbox channel."""
    posts = [json.loads(path.read_text()) for path in ui.home.glob("sandbox_channel/*/post.json")]
    return {post["item_id"]: post for post in posts}


def test_z1_approving_two_selected_items_publishes_both(review_ui):
    chosen = [review_ui.items["honeybees"], review_ui.items["wasps"]]
    backfill = launch(review_ui.url, {"decision": "approve", "reason": "clear and accurate"}, chosen,
                      asset="review_decision")
    runs = wait_for(lambda: ended(review_ui.url, backfill, 2), ACTED, "the review runs")
    assert sorted(run["partition"] for run in runs) == sorted(chosen)  # one run per item
    assert all(run["status"] == "SUCCESS" for run in runs), runs

    def published() -> bool:
        rows = review_ui.rows()
        return all(rows[item]["status"] == "published" for item in chosen) and all(
            materializations(review_ui.url, "published_post", item) == 1 for item in chosen)

    wait_for(published, ACTED, "both rows to say published")
    assert set(chosen) <= set(sandbox_posts(review_ui))
    assert review_ui.rows()[review_ui.items["ants"]]["status"] == "awaiting review"


def sync_ticked_since(url: str, since: float) -> bool:
    """Whether the sheet sync has finished a tick that started after `since` (a UNIX time)."""
    data = graphql(url, """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) {
        ... on Sensor { sensorState { ticks(limit: 1) { timestamp status } } } } }""",
                   {"s": {"repositoryLocationName": "shorts_assets", "repositoryName": "__repository__",
                          "sensorName": "sheet_sync"}})
    ticks = data["sensorOrError"]["sensorState"]["ticks"]
    return bool(ticks) and ticks[0]["timestamp"] > since and ticks[0]["status"] != "STARTED"


def test_z2_a_rejection_keeps_its_reason_and_publishes_nothing(review_ui):
    """(A rejection without a reason is refused: assets/test_review.py.)"""
    item = review_ui.items["ants"]
    backfill = launch(review_ui.url, {"decision": "reject", "reason": "the ants are blurry"}, [item],
                      asset="review_decision")
    assert [run["status"] for run in wait_for(lambda: ended(review_ui.url, backfill, 1), ACTED, "the rejection")] == [
        "SUCCESS"]
    assert review_ui.rows()[item]["status"] == "rejected: the ants are blurry"
    decided = time.time()
    wait_for(lambda: sync_ticked_since(review_ui.url, decided), 60, "a sheet sync tick after the rejection")
    assert review_ui.rows()[item]["status"] == "rejected: the ants are blurry"  # nothing publishes it
    assert materializations(review_ui.url, "published_post", item) == 0
    assert item not in sandbox_posts(review_ui)


def test_z3_retracting_a_selected_item_with_a_reason(review_ui):
    item = review_ui.items["wasps"]
    backfill = launch(review_ui.url, {"reason": "a fact was wrong"}, [item], job="retract_content")
    assert [run["status"] for run in wait_for(lambda: ended(review_ui.url, backfill, 1), ACTED, "the retraction")] == [
        "SUCCESS"]
    wait_for(lambda: review_ui.rows()[item]["status"] == "retracted", ACTED, "the row to say retracted")
    record = json.loads((review_ui.home / "store" / "retracted_post" / item / "record.json").read_text())
    assert record["record"]["reason"] == "a fact was wrong"
    assert item not in sandbox_posts(review_ui) and review_ui.items["honeybees"] in sandbox_posts(review_ui)
