"""Load: 50 items queued at once through the production-shaped instance (the `make prod-local`
stack) finish with the run queue and the pool limits respected, no deadlock and bounded memory.

Everything checked is read back from the instance (run storage and event log in Postgres),
the bucket and the sandbox channel; memory is sampled from /proc while the queue drains.
`pytest -s` prints the figures.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from shorts_assets.media.format import PRODUCTION
from shorts_assets.pools import current, read_limits
from shorts_assets.prod_local import DEPLOY, Stack
from shorts_assets.providers.sheets import CsvSheet
from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, video_env, write_sheet
from shorts_assets_tests.test_production import MAX_RUNS, bucket_keys, most_at_once, wait_published
from shorts_assets_tests.webui import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.heavy]

ITEMS = 50
TIMEOUT_S = 25 * 60
WRITE_BACK_S = 60  # the status sensor ticks every 5 s
SAMPLE_EVERY_S = 0.5
MB = 1024 * 1024
WORKER_LIMIT = 1536 * MB  # one run worker with its ffmpeg children
TOTAL_LIMIT = 6 * 1024 * MB  # daemon, code server, webserver and every run at once
STEP_STARTS = {DagsterEventType.STEP_START, DagsterEventType.STEP_RESTARTED}
STEP_ENDS = {DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE, DagsterEventType.STEP_UP_FOR_RETRY}
UNFINISHED = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
              DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
LASTING = ("daemon", "code", "webserver")  # the processes that live as long as the instance: none may grow per item
TOPICS = ["honeybees", "wasps", "ants", "termites", "hornets", "moths", "crickets", "beetles", "dragonflies",
          "fireflies"]


def load_rows() -> list[dict[str, str]]:
    """Short items (10 s, no music) with distinct topics, so every row makes its own key."""
    return [{**GOOD_ROW, "topic": f"{TOPICS[n % len(TOPICS)]} {n // len(TOPICS) + 1}", "target_seconds": "10"}
            for n in range(ITEMS)]


def parents() -> dict[int, int]:
    """pid -> parent pid of every process on the machine, from /proc/<pid>/stat."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        found[int(stat.parent.name)] = int(text.rsplit(")", 1)[1].split()[1])  # the name may hold spaces
    return found


def rss(pid: int) -> int:
    """Resident bytes of a process; 0 once it has gone (or is a zombie)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def command(pid: int) -> bytes:
    """A process's command line; empty once it has gone (processes come and go between reads)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def is_run_worker(pid: int) -> bool:
    """The code server starts each run in a process of its own through multiprocessing's spawn."""
    return b"spawn_main" in command(pid)


def kind(pid: int, role: str) -> str:
    """What a process is, for the per-process peaks: a run's own children are ffmpeg (and ffprobe)
    or the compute log manager's helpers."""
    if not role.startswith("run:"):
        return role
    if pid == int(role[4:]):
        return "run worker"
    return "ffmpeg" if b"ffmpeg" in command(pid) else "run helper"


@dataclass
class Memory:
    """RSS of the stack's processes and their descendants, every SAMPLE_EVERY_S.

    Each process is charged to its role (daemon, code, webserver, s3) or, under a run
    worker, to that run: a worker and its ffmpeg children count together.
    """

    roots: dict[str, int]
    peak_process: dict[str, int] = field(default_factory=dict)
    peak_run: int = 0
    peak_total: int = 0
    peak_s3: int = 0
    runs_seen: set[int] = field(default_factory=set)
    lasting: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Memory:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.sample()

    def owners(self) -> dict[int, str]:
        """Every descendant of the roots -> its role, or `run:<worker pid>`."""
        children = defaultdict(list)
        for pid, parent in parents().items():
            children[parent].append(pid)
        owned, todo = {}, [(pid, role) for role, pid in self.roots.items()]
        while todo:
            pid, role = todo.pop()
            if role == "code" and is_run_worker(pid):
                role = f"run:{pid}"
            owned[pid] = role
            todo.extend((child, role) for child in children[pid])
        return owned

    def sample(self) -> None:
        by_role: dict[str, int] = defaultdict(int)
        for pid, role in self.owners().items():
            size = rss(pid)
            by_role[role] += size
            what = kind(pid, role)
            self.peak_process[what] = max(self.peak_process.get(what, 0), size)
        runs = {role: size for role, size in by_role.items() if role.startswith("run:")}
        self.runs_seen.update(int(role[4:]) for role in runs)
        self.peak_run = max([self.peak_run, *runs.values()])
        self.peak_s3 = max(self.peak_s3, by_role.pop("s3", 0))  # moto stands in for S3: not ours to bound
        self.peak_total = max(self.peak_total, sum(by_role.values()))
        for role in LASTING:
            self.lasting[role].append((time.time(), by_role[role]))

    def at(self, role: str, moment: float) -> int:
        """A lasting process's RSS in the first sample taken at or after a moment."""
        return next(size for when, size in self.lasting[role] if when >= moment)

    def last(self, role: str) -> int:
        return self.lasting[role][-1][1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("load")
    write_sheet(root / "content_sheet.csv", [])  # the sensor finds a sheet, empty until the rows arrive at once
    # full size: the memory bounds are for production renders
    with Stack(root, extra_env=video_env(PRODUCTION)) as running, pytest.MonkeyPatch.context() as env:
        for name, value in running.env.items():
            if name.startswith(("DAGSTER_", "AWS_", "S3_")):
                env.setenv(name, value)
        yield running


@pytest.fixture(scope="module")
def instance(stack):
    with DagsterInstance.from_config(str(stack.home)) as opened:
        yield opened


def drained(instance: DagsterInstance) -> bool:
    """Every item has its run and no run is queued or in flight."""
    return len(instance.get_runs(RunsFilter(job_name="content_pipeline"))) >= ITEMS \
        and not instance.get_runs(RunsFilter(statuses=UNFINISHED))


def stuck(instance: DagsterInstance, stack: Stack) -> str:
    """What did not finish, who holds the pools and which rows lag: the message of a timed-out wait."""
    runs = instance.get_runs(RunsFilter(statuses=[*UNFINISHED, DagsterRunStatus.FAILURE]))
    lines = [f"{run.run_id} {run.tags.get('dagster/partition')} {run.status.value}: {last_event(instance, run.run_id)}"
             for run in runs] or ["no run is queued, started or failed"]
    for pool in read_limits(DEPLOY / "pools.yaml"):
        info = instance.event_log_storage.get_concurrency_info(pool)
        lines.append(f"pool {pool}: {len(info.claimed_slots)}/{info.slot_count} claimed "
                     f"{[(s.run_id[:8], s.step_key) for s in info.claimed_slots]}, {len(info.pending_steps)} pending")
    rows = [f"{row['topic']}: {row['status'] or 'new'}" for row in read_sheet(stack.root / "content_sheet.csv")
            if row["status"] != "published"]
    return "\n".join([*lines, f"rows not published: {rows}"])


def last_event(instance: DagsterInstance, run_id: str) -> str:
    """Where a run stopped: what a stuck run was last doing."""
    events = instance.all_logs(run_id)
    return f"{events[-1].dagster_event_type}: {events[-1].message[:200]}" if events else "no events"


@dataclass
class Outcome:
    wall_s: float
    memory: Memory
    made: dict[str, str]  # topic -> item id


@pytest.fixture(scope="module")
def load(stack, instance) -> Outcome:
    """The 50 rows appended in one write; then the queue drains, and every row says published."""
    topics = [row["topic"] for row in load_rows()]
    roots = {name: process.pid for name, process in stack.processes.items()}
    with Memory(roots) as memory:
        started = time.time()
        CsvSheet(path=str(stack.root / "content_sheet.csv")).append_rows(load_rows())
        try:
            wait_for(lambda: drained(instance), TIMEOUT_S, f"{ITEMS} runs to finish")
            made = wait_published(stack, topics, WRITE_BACK_S)
        except AssertionError as error:
            raise AssertionError(f"{str(error)[:300]}\n{stuck(instance, stack)}") from None
        wall = time.time() - started
    return Outcome(wall, memory, made)


def pool_spans(instance: DagsterInstance, runs) -> dict[str, list[tuple[float, float]]]:
    """pool -> every span a step of that pool executed (a retried step counts each attempt)."""
    spans = defaultdict(list)
    for run in runs:
        plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
        pool_of = {step.key: step.pool for step in plan.steps if step.pool}
        opened: dict[str, float] = {}
        for event in instance.all_logs(run.run_id, of_type=STEP_STARTS | STEP_ENDS):
            if event.step_key not in pool_of:
                continue
            if event.dagster_event.event_type in STEP_STARTS:
                opened[event.step_key] = event.timestamp
            else:
                spans[pool_of[event.step_key]].append((opened.pop(event.step_key), event.timestamp))
        assert not opened, f"{run.run_id}: steps started and never ended: {sorted(opened)}"
    return spans


def step_retries(instance: DagsterInstance, runs) -> int:
    return sum(len(instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_UP_FOR_RETRY)) for run in runs)


def test_fifty_items_finish_within_the_queue_and_pool_limits_with_bounded_memory(stack, instance, load):
    limits = read_limits(DEPLOY / "pools.yaml")
    assert current(instance, limits) == limits
    pipeline = instance.get_runs(RunsFilter(job_name="content_pipeline"))
    everything = instance.get_runs()
    records = instance.get_run_records(RunsFilter(run_ids=[run.run_id for run in everything]))

    # every item ran once and succeeded: no run had to be retried, nothing is left in the queue
    assert len(pipeline) == ITEMS and {run.tags["dagster/partition"] for run in pipeline} == set(load.made.values())
    assert all(run.status == DagsterRunStatus.SUCCESS for run in pipeline), stuck(instance, stack)
    assert not [run for run in everything if "dagster/parent_run_id" in run.tags]
    assert not instance.get_runs(RunsFilter(statuses=UNFINISHED))
    for pool in limits:
        info = instance.event_log_storage.get_concurrency_info(pool)
        assert not info.claimed_slots and not info.pending_steps, f"pool {pool} not released: {info}"

    # the run queue and the pools held under load
    runs_at_once = most_at_once([(record.start_time, record.end_time) for record in records])
    steps_at_once = {pool: most_at_once(spans) for pool, spans in pool_spans(instance, everything).items()}
    assert runs_at_once == MAX_RUNS
    assert steps_at_once["render"] == 1
    assert all(steps_at_once[pool] <= limits[pool] for pool in steps_at_once), (steps_at_once, limits)

    # published exactly once each: one sandbox post and one ledger entry an item
    posted = [json.loads(post.read_text())["item_id"] for post in (stack.root / "sandbox_channel").glob("*/post.json")]
    assert sorted(posted) == sorted(load.made.values())
    ledgers = defaultdict(list)
    for key in bucket_keys(stack, "store/published_post/"):
        if "/posts/" in key:
            ledgers[key.split("/")[2]].append(key)
    assert {item: len(keys) for item, keys in ledgers.items()} == dict.fromkeys(load.made.values(), 1)

    # memory: every run worker bounded, the whole stack bounded, the daemon not growing with the items
    memory = load.memory
    fifth = sorted(record.end_time for record in records if record.dagster_run.job_name == "content_pipeline")[4]
    growth = {role: (memory.at(role, fifth), memory.last(role)) for role in LASTING}
    report(load, runs_at_once, steps_at_once, step_retries(instance, pipeline), growth)
    assert len(memory.runs_seen) >= ITEMS  # the sampler saw every run worker
    assert memory.peak_run < WORKER_LIMIT
    assert memory.peak_total < TOTAL_LIMIT
    assert all(end <= 2 * early for early, end in growth.values()), growth


def report(load: Outcome, runs_at_once: int, steps_at_once: dict[str, int], retries: int,
           growth: dict[str, tuple[int, int]]) -> None:
    memory = load.memory
    print(f"\nload: {ITEMS} items in {load.wall_s:.0f} s ({ITEMS / load.wall_s * 60:.1f} items/min), "
          f"rows written to last published")
    print(f"  runs at once: {runs_at_once} (limit {MAX_RUNS}); steps at once per pool: "
          + ", ".join(f"{pool} {n}" for pool, n in sorted(steps_at_once.items())) + f"; step retries: {retries}")
    print(f"  peak RSS: total {memory.peak_total // MB} MB (moto's S3 apart: {memory.peak_s3 // MB} MB), "
          f"one run with its ffmpeg {memory.peak_run // MB} MB; per process: "
          + ", ".join(f"{what} {size // MB} MB" for what, size in sorted(memory.peak_process.items()) if what != "s3"))
    print("  RSS after 5 items -> at the end: " + ", ".join(f"{role} {early // MB} -> {end // MB} MB"
                                                          for role, (early, end) in growth.items())
          + f"; run workers sampled: {len(memory.runs_seen)}")
