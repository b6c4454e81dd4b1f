"""Reviewing from the web UI: `make demo` with review required leaves videos awaiting review, then
`make dev` serves them; a reviewer sees each video, the review queue, and approves or rejects
selected items, all through GraphQL as the UI does (and a headless browser for what it draws)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shorts_assets.demo import stop_group
from shorts_assets_tests.conftest import GOOD_ROW, SMALL, free_port, quick_queue, read_sheet, video_env, write_sheet
from shorts_assets_tests.webui import per_item_assets, wait_for

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
