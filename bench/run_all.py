"""`make bench`: the benchmarks, one process each, then one table with the targets.

Each benchmark writes its figures to bench/results/<name>.json (committed: the record of this
machine's run); this reads them back for the summary, also saved as summary.json. The table
shows each figure beside its value before issue 15 (bench/results/before_issue15.json).

    .venv/bin/python -m bench.run_all [render_ab item_cpu pipeline sensor_scale rematerialize startup latency]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = ("render_ab", "item_cpu", "pipeline", "sensor_scale", "rematerialize", "startup", "latency")
BEFORE = RESULTS / "before_issue15.json"  # figure -> its value before issue 15 (encode once, overlap, start fast)
ITEM_CPU = "item: offline, idea to video, CPU s"
ITEM_RENDER = "item: render realtime factor"


def render_rows(r: dict) -> list[tuple]:
    ours, moviepy = r["renderers"]["ours"], r["renderers"]["moviepy"]
    return [
        ("render: ours, realtime factor (median)", ours["realtime_factor"], "<= 0.4", ours["realtime_factor"] <= 0.4),
        ("render: moviepy / ours (median wall)", r["speedup"], ">= 6", r["speedup"] >= 6),
        ("render: ours, median wall s", ours["median_wall_s"], "", None),
        ("render: moviepy, median wall s", moviepy["median_wall_s"], "", None),
        ("render: ours, peak RSS MB", ours["peak_rss_mb"], "<= 1024", ours["peak_rss_mb"] <= 1024),
        ("render: moviepy, peak RSS MB", moviepy["peak_rss_mb"], "", None),
    ]


def item_rows(r: dict) -> list[tuple]:
    before = json.loads(BEFORE.read_text())["figures"]
    most_cpu = round(before[ITEM_CPU] * (1 - 0.35), 1)  # issue 15: at least 35 % less CPU per item
    slowest = before[ITEM_RENDER]
    return [
        (ITEM_CPU, r["cpu_s"], f"<= {most_cpu}", r["cpu_s"] <= most_cpu),
        ("item: offline, idea to video, wall s", r["wall_s"], "", None),
        (ITEM_RENDER, r["render_realtime_factor"], f"<= {slowest:.2f}",
         r["render_realtime_factor"] <= slowest),
    ]


def pipeline_rows(r: dict) -> list[tuple]:
    batch, scale = r["batch"], r["partition_scale"]
    return [
        (f"batch: {batch['items']} items, sensor tick to last post s", batch["wall_s"], "<= 180",
         batch["wall_s"] <= 180),
        ("batch: sum of step compute s", batch["compute_sum_s"], "", None),
        ("batch: orchestration overhead share", batch["overhead_share"], "<= 0.15", batch["overhead_share"] <= 0.15),
        (f"partitions ({scale['partitions']}): sensor tick s", scale["sensor_tick_10_new_rows_s"], "<= 5",
         scale["sensor_tick_10_new_rows_s"] <= 5),
        ("partitions: analytics schedule evaluation s", scale["analytics_schedule_evaluation_s"], "<= 5",
         scale["analytics_schedule_evaluation_s"] <= 5),
        ("partitions: GraphQL partition listing s", scale["graphql_partition_listing_s"], "<= 5",
         scale["graphql_partition_listing_s"] <= 5),
    ]


def sensor_rows(r: dict) -> list[tuple]:
    rows = []
    for kind in ("csv", "google"):
        sheet = r[kind]
        rows += [
            (f"sensor, {kind} {r['rows']} rows: first tick s", sheet["first_tick"]["seconds"], "<= 10",
             sheet["first_tick"]["seconds"] <= 10),
            (f"sensor, {kind}: tick with {r['new_rows']} new rows s", sheet["new_rows_tick"]["seconds"], "<= 1",
             sheet["new_rows_tick"]["seconds"] <= 1),
            (f"sensor, {kind}: rows validated in that tick", sheet["new_rows_tick"]["validated"], f"== {r['new_rows']}",
             sheet["new_rows_tick"]["validated"] == r["new_rows"]),
            (f"sensor, {kind}: RSS growth over {r['ticks']} ticks MB", sheet["memory"]["growth_mb"], "<= 20",
             sheet["memory"]["growth_mb"] <= 20),
        ]
    return rows


def rematerialize_rows(r: dict) -> list[tuple]:
    restyle, edit = r["caption_style_change"], r["one_scene_edited"]
    calls = sum(restyle["calls"].values())
    return [
        ("remat: caption style, writer+voice+footage calls", calls, "== 0", calls == 0),
        ("remat: caption style, run s (render s)", f"{restyle['run_s']} ({restyle['render_s']})", "", None),
        (f"remat: 1 of {edit['scenes']} scenes edited, voice calls", edit["voice_calls"], "== 1",
         edit["voice_calls"] == 1),
    ]


def startup_rows(r: dict) -> list[tuple]:
    imported, gap = r["import"], r["gap_between_runs"]
    return [
        ("start: import the definitions, offline, s (best of 3)", imported["best_wall_s"], "<= 2.5",
         imported["best_wall_s"] <= 2.5),
        ("start: one run's end to the next run's first step s", gap["median_gap_s"], "", None),
        ("start: run launched to its first step s", gap["median_launch_to_first_step_s"], "", None),
    ]


def latency_rows(r: dict) -> list[tuple]:
    every, bounded = r["every_scene_at_once"], r["default_bound"]
    return [
        (f"latency: item of {every['scenes']} scenes, wall s", every["wall_s"], "", None),
        ("latency: critical path s (writer+slowest scene+render+upload)", every["critical_path_s"], "", None),
        ("latency: sum of all calls s", every["sum_of_calls_s"], "", None),
        ("latency: wall / critical path", every["wall_over_critical_path"], "<= 1.3",
         every["wall_over_critical_path"] <= 1.3),
        (f"latency: wall / critical path, {bounded['scenes_at_once']} scenes at once (default)",
         bounded["wall_over_critical_path"], "", None),
    ]


SUMMARIES = {"render_ab": render_rows, "item_cpu": item_rows, "pipeline": pipeline_rows, "sensor_scale": sensor_rows,
             "rematerialize": rematerialize_rows, "startup": startup_rows, "latency": latency_rows}


def shown(value) -> str:
    return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def main(names: list[str]) -> int:
    seconds = {}
    for name in names or BENCHMARKS:
        print(f"\n== {name}", flush=True)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", f"bench.{name}"], check=True)
        seconds[name] = round(time.monotonic() - started, 1)
    table = [row for name in BENCHMARKS if (RESULTS / f"{name}.json").exists()
             for row in SUMMARIES[name](json.loads((RESULTS / f"{name}.json").read_text()))]
    before = json.loads(BEFORE.read_text())["figures"] if BEFORE.exists() else {}
    width = max(len(row[0]) for row in table)
    print(f"\n{'figure':<{width}}  {'before':>12}  {'value':>12}  {'target':<8}  ok")
    for figure, value, target, ok in table:
        print(f"{figure:<{width}}  {shown(before.get(figure)):>12}  {shown(value):>12}  {target:<8}  "
              f"{'' if ok is None else 'yes' if ok else 'NO'}")
    print(f"\nbenchmarks took {sum(seconds.values()):.0f} s: {seconds}")
    summary = {"table": [dict(zip(("figure", "value", "target", "ok"), row, strict=True)) for row in table],
               "seconds": seconds}
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if all(row[3] is not False for row in table) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
