"""`make demo`: the whole factory on one machine, through the real Dagster machinery.

It seeds the content sheet with sample ideas when there is none, starts the Dagster daemon
(whose sheet sensor adds the partitions and queues the runs, and whose run queue launches
them), shows progress as the steps finish, stops the daemon, and prints what was made.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from . import keys
from .assets.post import published_post
from .assets.proposals import idea_proposals
from .assets.strategy import content_strategy
from .assets.video import rendered_video
from .automation.jobs import content_pipeline
from .automation.schedules import run_cycle
from .config import Settings
from .keys import RowStatus
from .providers.sheets import Sheet, seed_sheet
from .rows import is_blank
from .store import StoreResource, load_record
from .strategy import explain
from .versions import row_statuses

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SHEET = Path(__file__).resolve().parent / "samples" / "content_sheet.csv"
UNFINISHED = (RowStatus.NEW, RowStatus.READY, RowStatus.QUEUED, RowStatus.PRODUCING, RowStatus.APPROVED,
              RowStatus.PUBLISHING)
SHEET_POLL_SECONDS = 3
ACTIVE_RUNS = {DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
               DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING}


def ensure_home() -> Path:
    """DAGSTER_HOME with the embedded default instance config.

    The project's own `.dagster_home` always gets the current dagster.yaml; a home the user
    chose keeps whatever config it has, and gets the default only when it has none.
    """
    managed = ROOT / ".dagster_home"
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(managed))).resolve()
    home.mkdir(parents=True, exist_ok=True)
    if home == managed.resolve() or not (home / "dagster.yaml").exists():
        shutil.copyfile(ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def start_daemon(home: Path) -> subprocess.Popen:
    """The daemon in its own process group: it ignores SIGTERM sent to a non-interactive shell."""
    log = open(home / "daemon.log", "ab")  # noqa: SIM115 - owned by the child process
    daemon = Path(sys.executable).with_name("dagster-daemon")
    return subprocess.Popen(
        [str(daemon), "run", "-w", str(ROOT / "workspace.yaml")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started in its own session, and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Progress:
    """Prints each run's steps as they finish, once each."""

    def __init__(self, instance: DagsterInstance):
        self.instance = instance
        self.seen: dict[str, int] = {}
        self.status: dict[str, DagsterRunStatus] = {}

    def runs(self):
        return self.instance.get_runs(RunsFilter(job_name=content_pipeline.name))

    def report(self) -> bool:
        """Print what happened since the last call; True while any run is unfinished."""
        active = False
        for run in self.runs():
            item = run.tags.get("dagster/partition", "?")
            changed = self.status.get(run.run_id) != run.status
            self.status[run.run_id] = run.status
            running = run.status in ACTIVE_RUNS
            if changed and running:
                say(f"{item}: run {run.run_id[:8]} {run.status.value.lower()}")
            records = self.instance.all_logs(
                run.run_id, of_type={DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
            )
            for event in records[self.seen.get(run.run_id, 0):]:
                mark = "done" if event.dagster_event.event_type == DagsterEventType.STEP_SUCCESS else "FAILED"
                say(f"{item}:   {event.step_key} {mark}")
            self.seen[run.run_id] = len(records)
            if changed and not running:  # the run's last word comes after its steps
                say(f"{item}: run {run.run_id[:8]} {run.status.value.lower()}")
            active |= running
        return active


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def finished(sheet: Sheet) -> bool:
    rows = [row for row in sheet.rows() if not is_blank(row.values)]
    return all(status not in UNFINISHED for row in rows for status in row_statuses(row))


def wait_for_items(sheet: Sheet, progress: Progress, daemon: subprocess.Popen, timeout: float) -> None:
    """Until every row is finished and no run is left. The sheet is read only while no run is
    active, every few seconds: a Google sheet allows about one read a second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"the Dagster daemon exited (code {daemon.returncode}); see daemon.log")
        active = progress.report()
        if not active and finished(sheet):
            return
        time.sleep(1 if active else SHEET_POLL_SECONDS)
    raise TimeoutError(f"items still unfinished after {timeout:.0f} s")


@dataclass
class Line:
    item: str
    status: str
    mp4: str
    duration: str
    render: str
    post: str


def local_path(uri: str) -> str:
    return uri.removeprefix("file://")


def table(sheet: Sheet, store: StoreResource) -> list[Line]:
    opened = store.open()
    lines = []
    for row in sheet.rows():
        if is_blank(row.values):
            continue
        item = row.values.get("item_id") or f"(row {row.number})"
        video = opened.read_json(keys.record(rendered_video.key, item)) if row.values.get("item_id") else None
        post = opened.read_json(keys.record(published_post.key, item)) if row.values.get("item_id") else None
        status = row.values.get("status", "") + (f" ({row.values['error']})" if row.values.get("error") else "")
        lines.append(Line(
            item=item,
            status=status,
            mp4=local_path(opened.uri(video["record"]["video"]["key"])) if video else "-",
            duration=f"{video['record']['duration_s']:.1f} s" if video else "-",
            render=(f"{video['record']['render_seconds']:.1f} s "
                    f"({video['record']['render_seconds'] / video['record']['duration_s']:.2f}x)") if video else "-",
            post=" ".join(local_path(p["url"]) for p in post["record"]["posts"]) if post else "-",
        ))
    return lines


def print_table(lines: list[Line]) -> None:
    headers = Line("content item", "status", "mp4", "duration", "render", "post (sandbox channel)")
    rows = [headers, *lines]
    widths = [max(len(getattr(r, f)) for r in rows) for f in Line.__dataclass_fields__]
    for row in rows:
        print("  ".join(getattr(row, f).ljust(w) for f, w in zip(Line.__dataclass_fields__, widths, strict=True)))


def prepare() -> tuple[Path, Settings]:
    """Dagster home and, offline, a content sheet with sample ideas: what `make dev` needs too."""
    home = ensure_home()
    settings = Settings.from_env()
    if settings.sheet == "csv" and seed_sheet(settings.sheet_csv, SAMPLE_SHEET):
        say(f"seeded the content sheet {settings.sheet_csv} with sample ideas")
    return home, settings


def learn_once(defs, store: StoreResource) -> None:
    """One analytics cycle, as the hourly schedule runs it: what works, and what to make next."""
    with DagsterInstance.get() as instance:
        if not instance.get_materialized_partitions(published_post.key):
            return
        say("one analytics cycle: snapshot every post, learn the strategy, propose the next ideas")
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # the table above is the report
        cycle = run_cycle(defs, instance, raise_on_error=False, run_config=quiet)
    if not cycle.success:
        failed = [event.message for event in cycle.all_events if event.is_step_failure]
        print(f"\nthe analytics cycle failed: {'; '.join(failed)}")
        return
    strategy = load_record(store.open(), content_strategy.key)
    proposals = load_record(store.open(), idea_proposals.key)
    print()
    print(explain(strategy))
    print("\nProposed next (new rows in the sheet):")
    for idea, row in zip(proposals.proposals, proposals.rows, strict=True):
        print(f"  row {row}: {idea.topic} [{idea.category}, {idea.hook_style.value}, {idea.target_seconds} s]"
              f" - {idea.reason}")
    if not proposals.proposals:
        print("  none: the sheet already holds as many open proposals as SHORTS_MAX_OPEN_PROPOSALS allows")


def main(argv: list[str]) -> int:
    home, settings = prepare()
    if argv == ["prepare"]:
        return 0
    from .definitions import defs  # loads and checks the configuration before anything starts

    # As in a run, the sheet's EnvVar secrets (SHORTS_GOOGLE_CREDENTIALS_JSON) become their values.
    sheet, store = defs.resources["sheet"].process_config_and_initialize(), defs.resources["store"]
    say(f"Dagster home {home}; store {settings.store}; sheet {settings.sheet_csv}")
    say("starting the Dagster daemon: the sheet sensor queues new rows, the run queue runs them")
    # The instance's storage is created here, before the daemon and its code server start: two
    # processes creating a fresh SQLite storage at once can stamp its schema twice and break it.
    with DagsterInstance.get() as instance:
        daemon = start_daemon(home)
        try:
            wait_for_items(sheet, Progress(instance), daemon, float(os.environ.get("SHORTS_DEMO_TIMEOUT", 900)))
        finally:
            stop_group(daemon)
    lines = table(sheet, store)
    print()
    print_table(lines)
    learn_once(defs, store)
    waiting = [line for line in lines if line.status.startswith((RowStatus.AWAITING_REVIEW, RowStatus.PROPOSED))]
    if waiting:
        print(f"\n{len(waiting)} row(s) wait for you: watch a video in the web UI (`make dev`: the review_queue "
              "asset, or an item's rendered_video) and approve or reject it there (the review_content job) or in "
              "the sheet (status approved); set a proposed idea's status to ready; then run `make demo` again")
    failed = [line for line in lines if not line.status.startswith(RowStatus.PUBLISHED) and line not in waiting]
    if failed:
        print(f"\n{len(failed)} item(s) not published; see the status column and {home / 'daemon.log'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
