"""How the content sheet sensor holds up on a sheet of 10,000 idea rows, as a CSV file and as a
Google Sheet served over HTTP by the test fake and read by the real gspread client.

    .venv/bin/python -m bench.sensor_scale [--rows 10000] [--new-rows 10] [--ticks 20]

A person who pastes a whole backlog into the sheet should not stall the daemon, and a sheet
that only ever grows should keep a tick with a few new rows cheap and the process flat. For
each sheet this times the first tick (capped at Policy's default rows_per_tick, and uncapped
for comparison), drains the backlog, times a tick with a few rows appended (counting the rows
validated and, for Google, the data rows the HTTP reads returned), then watches RSS over more
ticks. Prints a table and writes bench/results/sensor_scale.json.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from dagster import DagsterInstance, SensorResult, build_sensor_context

from shorts_assets import versions
from shorts_assets.automation import intake
from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.google_sheet import GoogleSheet
from shorts_assets.providers.sheets import STATUS_COLUMNS, CsvSheet
from shorts_assets.rows import IDEA_COLUMNS
from shorts_assets_tests.assets.conftest import service_account
from shorts_assets_tests.conftest import GOOD_ROW, write_sheet
from shorts_assets_tests.fakes import Request, Response
from shorts_assets_tests.fakes.sheets_api import FakeSheets

RESULTS = Path(__file__).parent / "results" / "sensor_scale.json"
COLUMNS = [*IDEA_COLUMNS, *STATUS_COLUMNS]
TAB = "ideas"
TARGETS = {"first_tick_s": 10.0, "new_rows_tick_s": 1.0, "rss_growth_mb": 20.0}
# The drain: "capped" ticks at the default rows_per_tick until nothing is queued (what the daemon
# does, ~rows/100 ticks); "uncapped" reuses the one uncapped first tick as the drained state.
DRAIN = "capped"
HOOKS = ("question", "bold-claim", "number", "story")
MEMORY_BATCH = 10  # rows appended before every fifth tick of the memory phase


def idea_rows(start: int, count: int) -> list[dict[str, str]]:
    """Valid, distinct ideas (the topic carries the number, so the item keys differ); one in ten
    gives a script instead of facts, as people sometimes do."""
    rows = []
    for n in range(start, start + count):
        row = {**GOOD_ROW, "topic": f"topic {n}", "hook_style": HOOKS[n % len(HOOKS)]}
        if n % 10 == 9:
            row["facts"], row["script"] = "", f"Here is idea number {n}, told in a few plain words."
        rows.append(row)
    return rows


def rss_mb() -> float:
    """Resident set size now, from /proc/self/statm (in pages)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class CountingSheets(FakeSheets):
    """The Sheets fake, also counting the data rows (header excluded) each values.get returned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_rows_read: list[int] = []

    def values_get(self, request: Request, range_name: str) -> Response:
        response = super().values_get(request, range_name)
        area = self.area(range_name)
        if response.status == 200 and not isinstance(area, Response):
            returned = len(response.body.get("values", []))
            self.data_rows_read.append(returned - 1 if area.top == 1 and returned else returned)
        return response

    def reset_log(self) -> None:
        """Forget the requests seen so far: the log keeps every body, which is the fake's memory, not ours."""
        with self.lock:
            self.requests.clear()
            self.data_rows_read.clear()


class CsvKind:
    """A CSV content sheet in a temp folder; a person appends rows by rewriting the file."""

    name = "csv"

    def __init__(self, folder: Path, rows: int):
        self.path = write_sheet(folder / "content_sheet.csv", idea_rows(0, rows), columns=COLUMNS)
        self.resource = CsvSheet(path=str(self.path))
        self.next_topic = rows

    def snapshot(self) -> bytes:
        return self.path.read_bytes()

    def restore(self, state: bytes) -> None:
        self.path.write_bytes(state)

    def append(self, count: int) -> None:
        self.resource.append_rows(idea_rows(self.next_topic, count))
        self.next_topic += count

    def reset_log(self) -> None:
        pass

    def reads(self) -> dict:
        return {}


class GoogleKind:
    """The fake Google Sheet over HTTP; a person appends rows by typing them into the grid."""

    name = "google"

    def __init__(self, stack: ExitStack, folder: Path, rows: int):
        grid = [COLUMNS, *([row.get(c, "") for c in COLUMNS] for row in idea_rows(0, rows))]
        self.fake = stack.enter_context(CountingSheets({TAB: grid}))
        self.tab = self.fake.sheets[TAB]
        self.tab.row_count = len(grid)  # a sheet holding 10,000 rows has a grid that tall
        key = folder / "service-account.json"
        key.write_text(json.dumps(service_account(f"{self.fake.url}/token")), encoding="utf-8")
        self.resource = GoogleSheet(spreadsheet_key=self.fake.key, worksheet=TAB, credentials_file=str(key),
                                    api_root=self.fake.url)
        self.next_topic = rows

    def snapshot(self) -> tuple[list[list[str]], int]:
        with self.fake.lock:
            return copy.deepcopy(self.tab.cells), self.tab.row_count

    def restore(self, state: tuple[list[list[str]], int]) -> None:
        with self.fake.lock:
            self.tab.cells, self.tab.row_count = copy.deepcopy(state[0]), state[1]

    def append(self, count: int) -> None:
        with self.fake.lock:
            self.tab.cells += [[row.get(c, "") for c in COLUMNS] for row in idea_rows(self.next_topic, count)]
            self.tab.row_count = max(self.tab.row_count, len(self.tab.cells))  # the UI grows the grid
        self.next_topic += count

    def reset_log(self) -> None:
        self.fake.reset_log()

    def reads(self) -> dict:
        """What the HTTP side of the last tick cost (since reset_log)."""
        writes = self.fake.calls("POST", "/v4/")
        return {"gets": len(self.fake.calls("GET", "/v4/")), "data_rows_read": sum(self.fake.data_rows_read),
                "writes": len(writes), "write_bytes": sum(len(w.body) for w in writes),
                "token_requests": len(self.fake.calls("POST", "/token"))}


@contextmanager
def counted(module, name: str, measure: Callable[[object], int]) -> Iterator[list[int]]:
    """Wrap `module`'s `name` (where the sensor calls it) so each call's result is counted; the
    original is put back after."""
    original = getattr(module, name)
    counts: list[int] = []

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        counts.append(measure(result))
        return result

    setattr(module, name, wrapper)
    try:
        yield counts
    finally:
        setattr(module, name, original)


def tick(instance: DagsterInstance, kind, cursor: str | None, rows_per_tick: int) -> dict:
    """One evaluation as the daemon makes it: the sensor, then its dynamic partition requests applied.

    The clock covers those two; building the context is the harness's, not the tick's.
    """
    kind.reset_log()
    context = build_sensor_context(instance=instance, cursor=cursor, resources={
        "sheet": kind.resource, "voice": EspeakVoice(),
        "policy": Policy(review_required=False, rows_per_tick=rows_per_tick)})
    with counted(versions, "idea_from_row", lambda _: 1) as validated, counted(intake, "to_read", len) as read:
        start = time.perf_counter()
        result = content_sheet_sensor(context)
        if isinstance(result, SensorResult):
            for request in result.dynamic_partitions_requests:
                instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        seconds = time.perf_counter() - start
    ran = isinstance(result, SensorResult)
    return {"seconds": round(seconds, 3), "run_requests": len(result.run_requests) if ran else 0,
            "cursor": result.cursor if ran else cursor, "rows_to_read": sum(read), "validated": len(validated),
            **kind.reads()}


def partitions(instance: DagsterInstance) -> int:
    return len(instance.get_dynamic_partitions(content_items.name))


def measure_kind(kind, rows: int, new_rows: int, ticks: int, default_cap: int) -> dict:
    """Steps 1-4 of the brief on one sheet; see the module docstring."""
    out: dict = {"rows": rows}
    original = kind.snapshot()
    with ExitStack() as stack:
        capped = stack.enter_context(DagsterInstance.ephemeral())
        first = tick(capped, kind, None, default_cap)
        out["first_tick"] = {"rows_per_tick": default_cap, **without_cursor(first)}
        after_first = kind.snapshot()

        kind.restore(original)
        with DagsterInstance.ephemeral() as uncapped:
            whole = tick(uncapped, kind, None, rows)
            out["first_tick_uncapped"] = {"rows_per_tick": rows, **without_cursor(whole)}
            out["first_tick_uncapped"]["partitions"] = partitions(uncapped)

        # The drain: the uncapped instance is gone either way; the uncapped state is rebuilt if asked for.
        if DRAIN == "capped":
            kind.restore(after_first)
            instance, cursor, drained = capped, first["cursor"], [first]
            while drained[-1]["run_requests"]:
                drained.append(tick(instance, kind, cursor, default_cap))
                cursor = drained[-1]["cursor"]
                if len(drained) > rows // default_cap + 5:
                    raise RuntimeError(f"the drain did not end after {len(drained)} ticks")
        else:
            capped.dispose()
            kind.restore(original)
            instance = stack.enter_context(DagsterInstance.ephemeral())
            drained = [tick(instance, kind, None, rows)]
            cursor = drained[0]["cursor"]
        del original, after_first
        # Totals over the drain (the first tick included): every capped tick reads all the rows past the cursor.
        totals = {name: sum(t[name] for t in drained) for name in ("rows_to_read", "data_rows_read", "token_requests")
                  if name in drained[0]}
        out["drain"] = {"mode": DRAIN, "rows_per_tick": default_cap if DRAIN == "capped" else rows,
                        "ticks": len(drained), "seconds": round(sum(t["seconds"] for t in drained), 1),
                        "tick_max_s": max(t["seconds"] for t in drained), **totals,
                        "partitions": partitions(instance), "cursor": json.loads(cursor)}

        kind.append(new_rows)
        added = tick(instance, kind, cursor, default_cap)
        cursor = added["cursor"]
        out["new_rows_tick"] = {"new_rows": new_rows, **without_cursor(added)}

        out["memory"] = memory(instance, kind, cursor, ticks, default_cap)
        out["partitions_at_end"] = partitions(instance)
    out["ok"] = {
        "first_tick": out["first_tick"]["seconds"] <= TARGETS["first_tick_s"],
        "new_rows_tick": added["seconds"] <= TARGETS["new_rows_tick_s"],
        "validated": added["validated"] == new_rows and added["run_requests"] == new_rows,
        "memory": out["memory"]["growth_mb"] <= TARGETS["rss_growth_mb"],
        "memory_rows_queued": out["memory"]["queued"] == out["memory"]["appended"],
        "drained": out["drain"]["partitions"] == rows,
    }
    return out


def memory(instance: DagsterInstance, kind, cursor: str, ticks: int, cap: int) -> dict:
    """RSS after each of `ticks` ticks, rows appended before every fifth; garbage collected before
    each reading so only what is kept counts."""
    readings, blocks, idle, busy, queued, expected = [], [], [], [], 0, 0
    for number in range(1, ticks + 1):
        if number % 5 == 0:
            kind.append(MEMORY_BATCH)
            expected += MEMORY_BATCH
        result = tick(instance, kind, cursor, cap)
        cursor, queued = result["cursor"], queued + result["run_requests"]
        (busy if number % 5 == 0 else idle).append(result["seconds"])
        gc.collect()
        readings.append(round(rss_mb(), 1))
        blocks.append(sys.getallocatedblocks())
    # RSS rarely shrinks after the 10,000-row ticks, so a slow leak could hide in freed memory:
    # the count of live Python objects' blocks does not hide it.
    return {"ticks": ticks, "rss_mb": readings, "first_mb": readings[0], "last_mb": readings[-1],
            "max_mb": max(readings), "growth_mb": round(readings[-1] - readings[0], 1),
            "allocated_blocks_growth": blocks[-1] - blocks[0],
            "idle_tick_max_s": max(idle, default=0.0), f"{MEMORY_BATCH}_rows_tick_max_s": max(busy, default=0.0),
            "queued": queued, "appended": expected}


def without_cursor(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "cursor"}


def measure(rows: int = 10_000, new_rows: int = 10, ticks: int = 20) -> dict:
    """Both sheets, one after the other, each on fresh instances, with its targets."""
    default_cap = Policy(review_required=False).rows_per_tick
    results: dict = {"targets": {**TARGETS, "validated": new_rows}, "rows": rows, "new_rows": new_rows,
                     "ticks": ticks, "default_rows_per_tick": default_cap}
    with tempfile.TemporaryDirectory(prefix="sensor-scale-") as tmp:
        for name in ("csv", "google"):
            folder = Path(tmp) / name
            folder.mkdir()
            start = time.perf_counter()
            with ExitStack() as stack:
                kind = CsvKind(folder, rows) if name == "csv" else GoogleKind(stack, folder, rows)
                results[name] = measure_kind(kind, rows, new_rows, ticks, default_cap)
            results[name]["seconds"] = round(time.perf_counter() - start, 1)
    return results


def table(results: dict) -> str:
    """One line per figure and sheet: value, target, ok."""
    targets = results["targets"]
    lines = [f"{'sheet':<7} {'figure':<38} {'value':>12}  {'target':<9} ok"]

    def line(kind: str, figure: str, value, target: str = "", ok: bool | None = None) -> None:
        mark = "" if ok is None else ("yes" if ok else "NO")
        lines.append(f"{kind:<7} {figure:<38} {value!s:>12}  {target:<9} {mark}")

    for kind in ("csv", "google"):
        r = results[kind]
        first, whole, drain, added, mem = (r["first_tick"], r["first_tick_uncapped"], r["drain"], r["new_rows_tick"],
                                           r["memory"])
        line(kind, f"first tick s (cap {first['rows_per_tick']}, {first['run_requests']} runs)", first["seconds"],
             f"<= {targets['first_tick_s']:g}", r["ok"]["first_tick"])
        line(kind, f"first tick s uncapped ({whole['run_requests']} runs)", whole["seconds"])
        line(kind, f"drain ({drain['mode']}, {drain['ticks']} ticks) s", drain["seconds"])
        line(kind, "  rows read over the drain", drain["rows_to_read"])
        if "token_requests" in drain:
            line(kind, "  token requests over the drain", drain["token_requests"])
        line(kind, "partitions after drain", drain["partitions"], f"== {r['rows']}", r["ok"]["drained"])
        line(kind, f"{added['new_rows']}-new-rows tick s", added["seconds"], f"<= {targets['new_rows_tick_s']:g}",
             r["ok"]["new_rows_tick"])
        line(kind, "  rows validated / runs", f"{added['validated']} / {added['run_requests']}",
             f"== {targets['validated']}", r["ok"]["validated"])
        if "data_rows_read" in added:
            line(kind, "  HTTP data rows read (GETs)", f"{added['data_rows_read']} ({added['gets']})")
        line(kind, f"idle tick max s ({mem['ticks']} ticks)", mem["idle_tick_max_s"])
        line(kind, "RSS first / last / max MB", f"{mem['first_mb']:.0f}/{mem['last_mb']:.0f}/{mem['max_mb']:.0f}")
        line(kind, "RSS growth MB", mem["growth_mb"], f"<= {targets['rss_growth_mb']:g}", r["ok"]["memory"])
        line(kind, "  Python blocks growth", mem["allocated_blocks_growth"])
        line(kind, f"  rows queued in those ticks ({mem['appended']} added)", mem["queued"], f"== {mem['appended']}",
             r["ok"]["memory_rows_queued"])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--new-rows", type=int, default=10)
    parser.add_argument("--ticks", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("dagster").setLevel(logging.WARNING)  # no INFO line per queued or rejected row
    start = time.perf_counter()
    results = measure(args.rows, args.new_rows, args.ticks)
    results["runtime_s"] = round(time.perf_counter() - start, 1)
    print(table(results))
    print(f"runtime {results['runtime_s']} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
