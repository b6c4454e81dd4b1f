"""How fast the production renderer is on a full-length short (a measurement, not a test).

Renders a 45 s synthetic item: six 1080x1920 clips of 8 s, a 45 s narration of modulated
tone and noise, about 110 caption words. The target is under 0.5x realtime on 2 cores.

    PYTHONPATH=. .venv/bin/python bench/render_bench.py [--music ambient] [--preset veryfast]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from shorts_assets.media.captions import build_ass, caption_font
from shorts_assets.media.compose import RenderSpec, render_video
from shorts_assets.media.ffmpeg import ffmpeg_exe, run_args
from shorts_assets.media.probe import integrated_loudness, measure_loudness, probe
from shorts_assets.models import WordTiming

NARRATION_S = 45.0
SCENES = 6
WORDS = 110
FRAME = "s=1080x1920:r=30"
CLIP_SOURCES = (
    f"testsrc2={FRAME}", f"gradients=speed=0.05:{FRAME}", f"testsrc2={FRAME}",
    f"gradients=type=radial:{FRAME}", f"testsrc2={FRAME}", f"gradients=type=spiral:{FRAME}",
)


def make_inputs(folder: Path) -> tuple[list[Path], Path, list[WordTiming]]:
    clips = []
    for i, source in enumerate(CLIP_SOURCES):
        clip = folder / f"clip{i}.mp4"
        run_args(
            [ffmpeg_exe(), "-hide_banner", "-f", "lavfi", "-i", source, "-t", "8",
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", str(clip)],
            f"make bench clip {i}",
        )
        clips.append(clip)
    narration = folder / "narration.wav"
    voice = (
        "sine=f=220:r=24000,volume='0.6*(0.5+0.5*sin(2*PI*3*t))':eval=frame[a];"
        "anoisesrc=c=pink:r=24000:a=0.15[b];[a][b]amix=normalize=0"
    )
    run_args(
        [ffmpeg_exe(), "-hide_banner", "-f", "lavfi", "-i", voice, "-t", str(NARRATION_S),
         "-ac", "1", "-y", str(narration)],
        "make bench narration",
    )
    step = NARRATION_S / WORDS
    words = [
        WordTiming(word=f"word{i},", start=i * step, end=i * step + step * 0.8,
                   scene=min(SCENES - 1, int(i * SCENES / WORDS)))
        for i in range(WORDS)
    ]
    return clips, narration, words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--music", default="none")
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        folder = Path(tmp)
        started = time.monotonic()
        clips, narration, words = make_inputs(folder)
        print(f"inputs made in {time.monotonic() - started:.1f} s")
        captions = folder / "captions.ass"
        captions.write_text(build_ass(words), encoding="utf-8")
        scene_starts = [next(w.start for w in words if w.scene == s) for s in range(SCENES)]
        spec = RenderSpec(
            clips=clips, scene_starts=scene_starts, narration=narration,
            narration_duration_s=NARRATION_S, loudness=measure_loudness(narration),
            captions=captions, font=caption_font(), out_video=folder / "video.mp4",
            out_thumbnail=folder / "thumbnail.jpg", title="A forty five second benchmark short",
            music=args.music, preset=args.preset,
        )
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = render_video(spec)
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
        info = probe(spec.out_video)
        print(f"render: {result.seconds:.1f} s for {result.duration_s:.1f} s of video "
              f"= {result.seconds / result.duration_s:.2f}x realtime (target < 0.5x)")
        print(f"ffmpeg CPU time: {cpu:.1f} s = {cpu / result.duration_s:.2f}x realtime on one core")
        print(f"load average {os.getloadavg()[0]:.1f}; other work here slows the wall clock")
        print(f"output: {info.width}x{info.height} {info.video_codec} {info.fps} fps, "
              f"{info.duration_s} s, {spec.out_video.stat().st_size / 1e6:.1f} MB, "
              f"{integrated_loudness(spec.out_video):.1f} LUFS")


if __name__ == "__main__":
    main()
