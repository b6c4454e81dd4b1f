"""One render in a process of its own, so its peak memory is its own.

    python -m bench.render_once ours|moviepy <inputs json> <out video>

Prints the render's wall and CPU seconds (this process and the ffmpeg processes it waited
for) and its peak RSS as JSON: this process's own plus its largest child's (ru_maxrss of the
children is the largest single one), so for moviepy, whose ffmpeg readers and writer run
side by side, the peak is a lower bound.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.inputs import BenchInputs, ffmpeg_spec


def renderer(name: str) -> Callable[[BenchInputs, Path], None]:
    """The named renderer, imported here so that neither run times its imports."""
    if name == "ours":
        from shorts_assets.media.compose import render_video

        return lambda inputs, out: render_video(dataclasses.replace(ffmpeg_spec(inputs, out.parent), out_video=out))
    if name == "moviepy":
        from bench.moviepy_reference import render

        return render
    raise SystemExit(f"unknown renderer {name!r}: ours or moviepy")


def main() -> None:
    name, inputs_json, out_video = sys.argv[1:]
    inputs = BenchInputs.from_json(Path(inputs_json).read_text(encoding="utf-8"))
    render = renderer(name)
    before = _usage()
    started = time.monotonic()
    render(inputs, Path(out_video))
    wall_s = time.monotonic() - started
    after = _usage()
    cpu_s = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before, strict=True))
    python_kb, ffmpeg_kb = (usage.ru_maxrss for usage in after)
    print(json.dumps({
        "wall_s": wall_s, "cpu_s": cpu_s, "peak_rss_mb": (python_kb + ffmpeg_kb) / 1024,
        "python_rss_mb": python_kb / 1024, "ffmpeg_rss_mb": ffmpeg_kb / 1024,
    }))


def _usage() -> tuple[resource.struct_rusage, resource.struct_rusage]:
    """This process's resource use, and that of the children (ffmpeg) it has waited for."""
    return resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)


if __name__ == "__main__":
    main()
