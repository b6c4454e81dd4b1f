"""Our one-pass ffmpeg renderer against a moviepy reference, on one full-length short.

The renders alternate (ours, moviepy, ours, ...) so a change in the machine's load hits both
alike, and each runs in a fresh process so its peak memory is its own. Both outputs are
probed, so the table shows the two renderers made the same video.

    .venv/bin/python -m bench.render_ab [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.inputs import make_inputs
from shorts_assets.media.probe import integrated_loudness, probe

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "render_ab.json"
RENDERERS = ("ours", "moviepy")
MAX_REALTIME = 0.4
MIN_SPEEDUP = 6.0
MAX_RSS_MB = 1024


def render_in_subprocess(renderer: str, inputs_json: Path, out_video: Path) -> dict:
    """Run `bench.render_once` in a fresh interpreter; its wall and CPU seconds and peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.render_once", renderer, str(inputs_json), str(out_video)],
        cwd=ROOT, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{renderer} render failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.splitlines()[-1])


def compare(pairs: int = 3, narration_s: float = 57.0, words: int = 150) -> dict:
    """Make the inputs once, render them `pairs` times with each renderer, and summarise."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="render-ab-") as tmp:
        folder = Path(tmp)
        inputs_json = folder / "inputs.json"
        inputs_json.write_text(make_inputs(folder, narration_s, words).to_json(), encoding="utf-8")
        runs: dict[str, list[dict]] = {renderer: [] for renderer in RENDERERS}
        for _ in range(pairs):
            for renderer in RENDERERS:
                runs[renderer].append(render_in_subprocess(renderer, inputs_json, folder / f"{renderer}.mp4"))
        results = {renderer: _summary(runs[renderer], folder / f"{renderer}.mp4") for renderer in RENDERERS}
    ours, moviepy = results["ours"], results["moviepy"]
    speedup = moviepy["median_wall_s"] / ours["median_wall_s"]
    return {
        "narration_s": narration_s, "words": words, "pairs": pairs, "cpus": os.cpu_count(),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "renderers": results,
        "speedup": speedup,
        "cpu_ratio": moviepy["cpu_s"] / ours["cpu_s"],
        "targets": {
            "ours_realtime_factor": _target(ours["realtime_factor"], "<=", MAX_REALTIME),
            "speedup": _target(speedup, ">=", MIN_SPEEDUP),
            "ours_peak_rss_mb": _target(ours["peak_rss_mb"], "<=", MAX_RSS_MB),
        },
    }


def _summary(runs: list[dict], video: Path) -> dict:
    info = probe(video)
    median_wall = statistics.median(run["wall_s"] for run in runs)
    return {
        "median_wall_s": median_wall,
        "walls_s": [run["wall_s"] for run in runs],
        "realtime_factor": median_wall / info.duration_s,
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "cpu_s": statistics.median(run["cpu_s"] for run in runs),
        "runs": runs,
        "output": {
            "width": info.width, "height": info.height, "fps": info.fps, "duration_s": info.duration_s,
            "video_codec": info.video_codec, "audio_codec": info.audio_codec,
            "sample_rate": info.sample_rate, "channels": info.channels,
            "integrated_lufs": integrated_loudness(video),
        },
    }


def _target(value: float, relation: str, limit: float) -> dict:
    met = value <= limit if relation == "<=" else value >= limit
    return {"value": value, "target": f"{relation} {limit:g}", "met": met}


def table(result: dict) -> str:
    """The figures side by side, each target beside the figure it judges."""
    ours, moviepy = (result["renderers"][renderer] for renderer in RENDERERS)
    targets = {name: f"{'met' if t['met'] else 'MISSED'}: {t['target']}" for name, t in result["targets"].items()}

    def row(label: str, fmt, note: str = "") -> str:
        return f"{label:<18}{fmt(ours):>24}{fmt(moviepy):>24}   {note}".rstrip()

    def output(render: dict) -> str:
        out = render["output"]
        return f"{out['width']}x{out['height']} {out['fps']:g} fps"

    def audio(render: dict) -> str:
        out = render["output"]
        return f"{out['audio_codec']} {out['sample_rate']} Hz {out['channels']} ch"

    load = result["load_average"]
    return "\n".join([
        f"render A/B: {result['narration_s']:g} s narration, {result['words']} words, {result['pairs']} pairs, "
        f"{result['cpus']} CPUs, load average {load['before']:.1f} before, {load['after']:.1f} after",
        f"{'':<18}{'ours':>24}{'moviepy':>24}",
        row("median wall s", lambda render: f"{render['median_wall_s']:.1f}"),
        row("each wall s", lambda render: " ".join(f"{wall:.1f}" for wall in render["walls_s"])),
        row("x realtime", lambda render: f"{render['realtime_factor']:.2f}", f"ours {targets['ours_realtime_factor']}"),
        row("peak RSS MB", lambda render: f"{render['peak_rss_mb']:.0f}", f"ours {targets['ours_peak_rss_mb']}"),
        row("CPU s (median)", lambda render: f"{render['cpu_s']:.1f}"),
        row("video", output),
        row("duration s", lambda render: f"{render['output']['duration_s']:.2f}"),
        row("audio", audio),
        row("loudness LUFS", lambda render: f"{render['output']['integrated_lufs']:.1f}"),
        f"moviepy / ours, median wall: {result['speedup']:.1f}x   {targets['speedup']}",
        f"moviepy / ours, median CPU: {result['cpu_ratio']:.1f}x",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--narration-s", type=float, default=57.0)
    parser.add_argument("--words", type=int, default=150)
    args = parser.parse_args()
    result = compare(args.pairs, args.narration_s, args.words)
    print(table(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
