"""CPU seconds of one offline item's pictures: `clips` and `rendered_video` of the first sample
row (the octopus), in the production format, on the offline providers.

The upstream assets are made first and not counted; then `clips` and `rendered_video` run in one
job and the CPU of this process and of every ffmpeg it waited for is summed.

    .venv/bin/python -m bench.item_cpu [--runs 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import tempfile
import time
from pathlib import Path

from dagster import AssetKey, DagsterInstance

from shorts_assets.config import Settings
from shorts_assets.definitions import build_definitions
from shorts_assets.demo import SAMPLE_SHEET
from shorts_assets.partitions import content_items
from shorts_assets_tests.conftest import write_sheet

PICTURES = [AssetKey("clips"), AssetKey("rendered_video")]
UPSTREAM = [AssetKey("idea"), AssetKey("script"), AssetKey("narration")]


def cpu_s() -> float:
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def measure(runs: int) -> dict:
    with open(SAMPLE_SHEET, encoding="utf-8") as sheet:
        row = next(csv.DictReader(sheet))
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-item-") as home, DagsterInstance.ephemeral() as instance:
        write_sheet(Path(home) / "content_sheet.csv", [{**row, "item_id": "octopus-bench"}])
        job = build_definitions(Settings.from_env({"SHORTS_HOME": home})).resolve_job_def("produce_content")
        instance.add_dynamic_partitions(content_items.name, ["octopus-bench"])
        assert job.execute_in_process(partition_key="octopus-bench", instance=instance,
                                      asset_selection=UPSTREAM).success
        for _ in range(runs):
            cpu, started = cpu_s(), time.monotonic()
            result = job.execute_in_process(partition_key="octopus-bench", instance=instance,
                                            asset_selection=PICTURES)
            assert result.success
            video = next(e for e in result.get_asset_materialization_events()
                         if e.asset_key == AssetKey("rendered_video")).materialization.metadata
            figures.append({"cpu_s": round(cpu_s() - cpu, 2), "wall_s": round(time.monotonic() - started, 2),
                            "video_s": video["duration_s"].value,
                            "render_realtime_factor": video["realtime_factor"].value})
    return {"runs": figures, "min_cpu_s": min(f["cpu_s"] for f in figures)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    print(json.dumps(measure(parser.parse_args().runs), indent=2))


if __name__ == "__main__":
    main()
