"""What an item waits for before its first step: a run worker importing the definitions, and the
time from one run's end to the next run's first step, as `make demo` runs items (the daemon's
queue, one run at a time, a fresh process per run).

1. Import: `import shorts_assets.definitions` in a fresh interpreter with the offline providers,
   best wall time of three, and `-X importtime`'s slowest imports (cumulative).
2. Gap between runs: three items through the daemon (rendered small: the gap does not depend on
   the render), read back from the instance's event log.

    .venv/bin/python -m bench.startup
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, RunsFilter

from bench import save
from shorts_assets.automation.jobs import content_pipeline
from shorts_assets.demo import Progress, ensure_home, start_daemon, stop_group, wait_for_items
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets_tests.conftest import GOOD_ROW, write_sheet

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "startup.json"
IMPORT = "import shorts_assets.definitions"
MAX_IMPORT_S = 2.5
# Whatever selects a service or points at a configuration: the offline defaults are measured.
SELECTING = ("SHORTS_", "OPENAI_", "ELEVENLABS_", "PEXELS_", "YOUTUBE_", "TIKTOK_", "INSTAGRAM_", "GOOGLE_",
             "S3_", "DAGSTER_HOME")


def offline_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(SELECTING)}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **extra}


def slowest_imports(stderr: str, count: int) -> list[dict]:
    """`-X importtime` lines (`import time: self | cumulative | name`), slowest cumulative first."""
    entries = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            entries.append({"module": name.strip(), "cumulative_s": round(int(cumulative) / 1e6, 3)})
    return sorted(entries, key=lambda entry: -entry["cumulative_s"])[:count]


def import_time(repeats: int = 3) -> dict:
    walls = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", IMPORT], env=offline_env(), cwd=ROOT, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
    traced = subprocess.run([sys.executable, "-X", "importtime", "-c", IMPORT], env=offline_env(), cwd=ROOT,
                            check=True, capture_output=True, text=True)
    return {"best_wall_s": round(min(walls), 2), "walls_s": [round(wall, 2) for wall in walls],
            "slowest_imports": slowest_imports(traced.stderr, 15), "target_s": MAX_IMPORT_S}


def run_times(instance: DagsterInstance) -> list[dict[str, float]]:
    """Each content run's launch, first step and end, from the event log, in the order they ran."""
    runs = []
    for run in instance.get_runs(RunsFilter(job_name=content_pipeline.name)):
        marks: dict[str, float] = {}
        for event in instance.all_logs(run.run_id):
            kind = event.dagster_event.event_type if event.dagster_event else None
            if kind == DagsterEventType.RUN_STARTING:
                marks["launched"] = event.timestamp
            elif kind == DagsterEventType.STEP_START:
                marks.setdefault("first_step", event.timestamp)
            elif kind == DagsterEventType.RUN_SUCCESS:
                marks["ended"] = event.timestamp
        if {"launched", "first_step", "ended"} - marks.keys():
            raise RuntimeError(f"run {run.run_id} did not succeed: see the daemon.log")
        runs.append(marks)
    return sorted(runs, key=lambda marks: marks["first_step"])


def run_gap(items: int = 3) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        root = Path(folder)
        sheet = write_sheet(root / "content_sheet.csv",
                            [{**GOOD_ROW, "topic": f"{GOOD_ROW['topic']} {n}"} for n in range(items)])
        os.environ.clear()  # the daemon, its code server and the run workers inherit this
        os.environ.update(offline_env(DAGSTER_HOME=str(root / "dagster_home"), SHORTS_HOME=str(root),
                                      SHORTS_VIDEO_SIZE="270x480"))
        home = ensure_home()
        with DagsterInstance.get() as instance:
            daemon = start_daemon(home)
            try:
                wait_for_items(CsvSheet(path=str(sheet)), Progress(instance), daemon, timeout=900)
            finally:
                stop_group(daemon)
            runs = run_times(instance)
    gaps = [after["first_step"] - before["ended"] for before, after in zip(runs, runs[1:], strict=False)]
    return {"runs": len(runs), "gaps_s": [round(gap, 1) for gap in gaps],
            "median_gap_s": round(statistics.median(gaps), 1),
            "median_launch_to_first_step_s": round(statistics.median(r["first_step"] - r["launched"] for r in runs), 1)}


def main() -> None:
    figures = {"import": import_time(), "gap_between_runs": run_gap()}
    save(RESULTS, figures)


if __name__ == "__main__":
    main()
