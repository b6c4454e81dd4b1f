"""Synthetic inputs for a render benchmark, made on the fly so no media is ever committed.

Six clips in the production format from lavfi sources (our renderer takes each as a scene's
video source), a narration of modulated tone and noise, evenly spread caption words, and a
music bed file, so both renderers mix the very same inputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shorts_assets.media.captions import build_ass
from shorts_assets.media.compose import RenderSpec
from shorts_assets.media.ffmpeg import ffmpeg_exe, run_args
from shorts_assets.media.format import PRODUCTION
from shorts_assets.media.probe import measure_loudness
from shorts_assets.models import Loudness, MediaFile, VideoSource, WordTiming

FRAME = f"s={PRODUCTION.size}:r={PRODUCTION.fps}"
CLIP_SOURCES = (
    f"testsrc2={FRAME}", f"gradients=speed=0.05:{FRAME}", f"testsrc2={FRAME}",
    f"gradients=type=radial:{FRAME}", f"testsrc2={FRAME}", f"gradients=type=spiral:{FRAME}",
)
CLIP_SPARE_S = 1.0  # each clip outlasts its beat, so neither renderer has to loop it
VOICE = (
    "sine=f=220:r=24000,volume='0.6*(0.5+0.5*sin(2*PI*3*t))':eval=frame[a];"
    "anoisesrc=c=pink:r=24000:a=0.15[b];[a][b]amix=normalize=0"
)
CHORD_HZ = (220.0, 277.18, 329.63, 415.3)  # A major seventh, a plain stand-in for a music track
# Words of everyday length: three of them always fit one caption line, so neither renderer wraps.
WORDS = (
    "bees", "dance", "to", "tell", "the", "hive", "where", "sweet", "flowers", "grow,",
    "and", "how", "far", "away", "they", "are.", "a", "waggle", "points", "the", "way.",
)


@dataclass
class BenchInputs:
    """One synthetic item; scene i runs from scene_starts[i] to the next start (the last to the end)."""

    clips: list[Path]
    narration: Path
    narration_s: float
    words: list[WordTiming]
    scene_starts: list[float]
    music: Path
    loudness: Loudness
    captions: Path

    def to_json(self) -> str:
        return json.dumps({
            "clips": [str(clip) for clip in self.clips], "narration": str(self.narration),
            "narration_s": self.narration_s, "words": [word.model_dump() for word in self.words],
            "scene_starts": self.scene_starts, "music": str(self.music),
            "loudness": self.loudness.model_dump(), "captions": str(self.captions),
        })

    @classmethod
    def from_json(cls, text: str) -> BenchInputs:
        data = json.loads(text)
        return cls(
            clips=[Path(clip) for clip in data["clips"]], narration=Path(data["narration"]),
            narration_s=data["narration_s"], words=[WordTiming.model_validate(w) for w in data["words"]],
            scene_starts=data["scene_starts"], music=Path(data["music"]),
            loudness=Loudness.model_validate(data["loudness"]), captions=Path(data["captions"]),
        )


def make_inputs(folder: Path, narration_s: float = 57.0, words: int = 150, scenes: int = 6) -> BenchInputs:
    """Write the clips, narration, bed and captions of one item into `folder`."""
    step = narration_s / words
    timings = [
        WordTiming(word=WORDS[i % len(WORDS)], start=round(i * step, 3), end=round((i + 0.8) * step, 3),
                   scene=min(scenes - 1, i * scenes // words))
        for i in range(words)
    ]
    scene_starts = [next(w.start for w in timings if w.scene == s) for s in range(scenes)]
    ends = [*scene_starts[1:], narration_s + RenderSpec.tail_s]
    clips = [
        _lavfi(folder / f"clip{i}.mp4", CLIP_SOURCES[i % len(CLIP_SOURCES)], end - start + CLIP_SPARE_S,
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
        for i, (start, end) in enumerate(zip(scene_starts, ends, strict=True))
    ]
    narration = _lavfi(folder / "narration.wav", VOICE, narration_s, "-ac", "1")
    chord = "+".join(f"0.12*sin(2*PI*{hz}*t)" for hz in CHORD_HZ)
    music = _lavfi(folder / "music.wav", f"aevalsrc={chord}|{chord}:s=44100", ends[-1] + CLIP_SPARE_S)
    captions = folder / "captions.ass"
    captions.write_text(build_ass(timings), encoding="utf-8")
    return BenchInputs(
        clips=clips, narration=narration, narration_s=narration_s, words=timings,
        scene_starts=scene_starts, music=music, loudness=measure_loudness(narration), captions=captions,
    )


def ffmpeg_spec(inputs: BenchInputs, out_dir: Path) -> RenderSpec:
    """Our renderer's spec for these inputs, with the bed file as its music."""
    return RenderSpec(
        scenes=[VideoSource(media=MediaFile(name=clip.name, mime="video/mp4", path=clip)) for clip in inputs.clips],
        scene_starts=inputs.scene_starts, narration=inputs.narration,
        narration_duration_s=inputs.narration_s, loudness=inputs.loudness, captions=inputs.captions,
        out_video=out_dir / "video.mp4", out_thumbnail=out_dir / "thumbnail.jpg",
        title="A render benchmark short", music=str(inputs.music),
    )


def _lavfi(path: Path, source: str, seconds: float, *options: str) -> Path:
    run_args(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-f", "lavfi", "-i", source,
         "-t", f"{seconds:.3f}", *options, "-y", str(path)],
        f"make bench input {path.name}",
    )
    return path
