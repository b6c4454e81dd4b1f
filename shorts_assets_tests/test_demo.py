"""`make demo`'s runner through the real daemon: sensor tick, queued run, write-back, table."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, write_sheet

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_produces_the_sheet_through_the_daemon(tmp_path):
    write_sheet(tmp_path / "content_sheet.csv", [GOOD_ROW, {**GOOD_ROW, "target_seconds": "x"}])
    env = {**os.environ, "SHORTS_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dagster"),
           "SHORTS_DEMO_TIMEOUT": "300"}
    proc = subprocess.run([sys.executable, "-m", "shorts_assets.demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=420)
    rows = read_sheet(tmp_path / "content_sheet.csv")
    assert rows[0]["status"] == "published", proc.stdout + proc.stderr
    assert rows[1]["status"] == "rejected: target_seconds must be a whole number of seconds"
    assert proc.returncode == 1  # the rejected row is reported as not published
    table = proc.stdout.split("content item", 1)[1]
    assert rows[0]["item_id"] in table and "video.mp4" in table and "sandbox_channel" in table
    assert "rendered_video done" in proc.stdout  # progress while it works
    assert (tmp_path / "dagster" / "dagster.yaml").is_file()
