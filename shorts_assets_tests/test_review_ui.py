"""Reviewing from the web UI: `make demo` with review required leaves videos awaiting review, then
`make dev` serves them; a reviewer sees each video, the review queue, and approves or rejects
selected items, all through GraphQL as the UI does (and a headless browser for what it draws)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shorts_assets.demo import stop_group
from shorts_assets_tests.browser import Browser
from shorts_assets_tests.conftest import GOOD_ROW, SMALL, free_port, quick_queue, read_sheet, video_env, write_sheet
from shorts_assets_tests.webui import graphql, per_item_assets, wait_for

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


def latest_metadata(url: str, asset: str) -> dict:
    data = graphql(url, """query($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset {
      assetMaterializations(limit: 1) { metadataEntries { label
        ... on MarkdownMetadataEntry { mdStr } ... on IntMetadataEntry { intValue } } } } } }""",
                   {"key": {"path": [asset]}})
    [latest] = data["assetOrError"]["assetMaterializations"] or [{"metadataEntries": []}]
    return {entry["label"]: entry.get("mdStr", entry.get("intValue")) for entry in latest["metadataEntries"]}


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
