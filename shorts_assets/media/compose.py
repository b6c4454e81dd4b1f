"""The production renderer: one ffmpeg invocation per video, built with ffmpeg-python.

A single filter graph draws every scene's picture from its source (a video or still fitted to
the frame, or a procedural picture; `media.scenes`), burns the captions, normalises the
narration, ducks an optional music bed under it, and writes both the MP4 and the thumbnail.
One process means every input is decoded once, every pixel encoded once, and nothing touches
the disk in between.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import ffmpeg

from shorts_assets import text_rules
from shorts_assets.languages import DEFAULT, Language
from shorts_assets.media import text_block
from shorts_assets.media.ffmpeg import MediaError, run, still
from shorts_assets.media.fonts import fonts_dir
from shorts_assets.media.format import PRODUCTION, OutputFormat
from shorts_assets.media.previews import QUALITY, frame_strip, shrunk
from shorts_assets.media.probe import voice_filters, voice_gain_db
from shorts_assets.media.scenes import scene_picture
from shorts_assets.models import MAX_VIDEO_SECONDS, Loudness, SceneSource, StillSource, VideoSource

THUMBNAIL_AT_S = 1.0
MUSIC_FILE_GAIN_DB = -20  # a mastered track (about -10 LUFS) lands near -30 LUFS, under the voice
PAD_GAIN_DB = -20
PAD_RATE = 12_000  # the pad has nothing above a few hundred Hz; fewer samples to evaluate
DUCK = {"threshold": 0.03, "ratio": 8, "attack": 20, "release": 400}
PAD_ROOTS_HZ = (110.0, 123.47, 130.81, 146.83, 164.81, 174.61, 196.0)
PAD_CHORDS = ((0, 4, 7, 11), (0, 3, 7, 10), (0, 5, 7, 12), (0, 4, 7, 14))


@dataclass
class RenderSpec:
    """Everything one video needs; scene i runs from scene_starts[i] to scene_starts[i + 1]."""

    scenes: list[SceneSource]
    scene_starts: list[float]
    narration: Path
    narration_duration_s: float
    loudness: Loudness
    captions: Path
    out_video: Path
    out_thumbnail: Path
    title: str
    # The review pages' pictures (media/previews.py), when given: the thumbnail shrunk, a strip of frames.
    out_preview: Path | None = None
    out_frames: Path | None = None
    music: str = "none"  # "none", "ambient" (a generated pad) or the path of an audio file
    language: Language = DEFAULT  # what the captions and the title are drawn and shaped as
    seed: int = 0
    tail_s: float = 0.6
    fmt: OutputFormat = PRODUCTION  # the video's and the thumbnail's
    preset: str = "veryfast"
    crf: int = 23
    # On top of veryfast: the cheapest motion search, a short lookahead and fixed B-frames.
    # A 35 s item re-encoded in 9.9 s instead of 15.2 s, the file 12 % smaller at the same crf;
    # the platforms re-encode what they receive anyway.
    x264_params: str = "me=dia:subme=1:rc-lookahead=5:b-adapt=0"

    @property
    def duration_s(self) -> float:
        return self.narration_duration_s + self.tail_s


@dataclass(frozen=True)
class RenderResult:
    seconds: float  # wall time of the ffmpeg run
    duration_s: float


def render_video(spec: RenderSpec) -> RenderResult:
    """Render the MP4, its thumbnail and the review pages' pictures in one ffmpeg run."""
    _check(spec)
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        title_file = Path(tmp) / "title.ass"
        title_file.write_text(thumbnail_title(spec.title, spec.language, spec.fmt), encoding="utf-8")
        documents = [spec.captions.read_text(encoding="utf-8"), title_file.read_text(encoding="utf-8")]
        fontsdir = str(fonts_dir(documents, Path(tmp) / "fonts"))
        picture = _scenes(spec, Path(tmp))
        main, thumb = _tee(picture)
        video = main.filter("ass", filename=str(spec.captions), fontsdir=fontsdir)
        video = video.filter("format", pix_fmts="yuv420p", color_ranges="tv")
        outputs = []
        if spec.out_frames is not None:
            video, strip = _tee(video)
            frames = frame_strip(strip, round(spec.duration_s * spec.fmt.fps))
            outputs.append(still(frames, spec.out_frames, QUALITY))
        audio = _soundtrack(spec)
        out_video = ffmpeg.output(
            video, audio, str(spec.out_video),
            vcodec="libx264", preset=spec.preset, crf=spec.crf, pix_fmt="yuv420p", r=spec.fmt.fps,
            **({"x264-params": spec.x264_params} if spec.x264_params else {}),
            acodec="aac", ar=spec.fmt.sample_rate, ac=2, audio_bitrate="160k",
            movflags="+faststart", t=f"{spec.duration_s:.3f}",
        )
        thumbnail = _thumbnail(thumb, spec).filter("ass", filename=str(title_file), fontsdir=fontsdir)
        if spec.out_preview is not None:
            thumbnail, small = _tee(thumbnail)
            outputs.append(still(shrunk(small), spec.out_preview, QUALITY))
        out_thumb = still(thumbnail, spec.out_thumbnail, 2)
        started = time.monotonic()
        run(ffmpeg.merge_outputs(out_video, out_thumb, *outputs), f"render {spec.out_video.name}")
        seconds = time.monotonic() - started
    return RenderResult(seconds=seconds, duration_s=spec.duration_s)


def _tee(stream):
    """The stream twice: one for the output it was made for, one for a picture drawn from the same frames."""
    both = stream.filter_multi_output("split")
    return both.stream(0), both.stream(1)


def _check(spec: RenderSpec) -> None:
    """Refuse what ffmpeg would fail on late or obscurely, or what makes a broken short."""
    if spec.duration_s > MAX_VIDEO_SECONDS:
        raise MediaError(
            f"refusing to render {spec.out_video.name}: it would run {spec.duration_s:.1f} s "
            f"(narration {spec.narration_duration_s:.1f} s + tail {spec.tail_s:.1f} s), "
            f"over the {MAX_VIDEO_SECONDS:.0f} s limit of a short; shorten the script"
        )
    if len(spec.scenes) != len(spec.scene_starts) or not spec.scenes:
        raise MediaError(
            f"need one picture per scene: {len(spec.scenes)} pictures for {len(spec.scene_starts)} scenes"
        )
    if spec.scene_starts[0] != 0 or min(_scene_frames(spec)) < 0:
        raise MediaError(
            f"scene starts must begin at 0, never go back, and fall within the video: "
            f"{spec.scene_starts}"
        )
    named = {f"the picture of scene {i}": path for i, path in enumerate(_files(spec)) if path}
    named |= {"narration": spec.narration, "captions": spec.captions}
    if spec.music not in ("none", "ambient"):
        named["music"] = Path(spec.music)
    for what, path in named.items():
        if not Path(path).is_file():
            raise MediaError(f"cannot render {spec.out_video.name}: {what} not found: {path}")


def _scene_frames(spec: RenderSpec) -> list[int]:
    """Frames per scene, cut on the global frame grid so the scenes add up to the whole video."""
    edges = [round(start * spec.fmt.fps) for start in spec.scene_starts]
    edges.append(round(spec.duration_s * spec.fmt.fps))
    return [end - start for start, end in pairwise(edges)]


def _scenes(spec: RenderSpec, folder: Path):
    """Each scene's picture drawn from its source, cut to the scene's frames, then joined.

    A scene that gets no frame (it starts where the next one does) is left out.
    """
    files = _files(spec)
    parts = [
        scene_picture(source, frames, spec.fmt, folder, reuse=files[:scene].count(files[scene]) if files[scene] else 0)
        for scene, (source, frames) in enumerate(zip(spec.scenes, _scene_frames(spec), strict=True))
        if frames > 0
    ]
    return ffmpeg.concat(*parts, v=1, a=0) if len(parts) > 1 else parts[0]


def _files(spec: RenderSpec) -> list[Path | None]:
    """The file each scene's picture is drawn from (None for a procedural one)."""
    return [
        Path(source.media.path or source.media.name).absolute() if isinstance(source, VideoSource | StillSource)
        else None
        for source in spec.scenes
    ]


def _soundtrack(spec: RenderSpec):
    """Narration at -14 LUFS (the measured gain, peaks limited), padded, music ducked under."""
    voice = ffmpeg.input(str(Path(spec.narration).absolute())).audio
    for name, options in voice_filters(voice_gain_db(spec.loudness), spec.fmt.sample_rate):
        voice = voice.filter(name, **options)
    voice = voice.filter("apad", whole_dur=f"{spec.duration_s:.3f}")
    if spec.music == "none":
        return voice
    split = voice.filter_multi_output("asplit")
    ducked = ffmpeg.filter([_music(spec), split.stream(1)], "sidechaincompress", **DUCK)
    return ffmpeg.filter([split.stream(0), ducked], "amix", inputs=2, duration="first", normalize=0)


def _music(spec: RenderSpec):
    """The bed before ducking: a generated pad or a looped file, faded in and out, kept low."""
    total = spec.duration_s
    if spec.music == "ambient":
        bed = ffmpeg.input(_pad_source(spec.seed, total), f="lavfi").audio
        gain = PAD_GAIN_DB
    else:
        bed = ffmpeg.input(str(Path(spec.music).absolute()), stream_loop=-1).audio
        gain = MUSIC_FILE_GAIN_DB
    bed = bed.filter(
        "aformat", sample_fmts="fltp", sample_rates=spec.fmt.sample_rate, channel_layouts="stereo"
    ).filter("atrim", duration=f"{total:.3f}")
    fade = min(1.5, total / 4)
    bed = bed.filter("afade", t="in", d=fade)
    bed = bed.filter("afade", t="out", st=f"{total - fade:.3f}", d=fade)
    return bed.filter("volume", f"{gain}dB")


def _pad_source(seed: int, duration_s: float) -> str:
    """A soft chord of slowly breathing sines picked by the seed; the right ear slightly detuned."""
    rng = random.Random(seed)
    root = rng.choice(PAD_ROOTS_HZ)
    chord = rng.choice(PAD_CHORDS)
    voices = [
        (root * 2 ** (step / 12), amp, rng.uniform(0.05, 0.2), rng.uniform(0, 6.28))
        for step, amp in zip(chord, (0.32, 0.22, 0.18, 0.12), strict=True)
    ]

    def channel(detune: float) -> str:
        return "+".join(
            f"{amp}*sin(2*PI*{freq * detune:.3f}*t)*(0.55+0.45*sin(2*PI*{lfo:.3f}*t+{phase:.3f}))"
            for freq, amp, lfo, phase in voices
        )

    return f"aevalsrc=exprs={channel(1.0)}|{channel(1.003)}:s={PAD_RATE}:d={duration_s:.3f}"


def thumbnail_title(title: str, language: Language, fmt: OutputFormat) -> str:
    """The title as the thumbnail shows it (in capitals where the language sets captions so),
    large across the upper middle: an ASS document for libass."""
    text = title_case(title, language)
    sizes = [round(fmt.width * share) for share in (0.11, 0.09, 0.075, 0.06)]
    lines, size = text_block.layout(text, language, fmt.width * 0.88, fmt.height * 0.55, sizes)
    return text_block.document(lines, size, language, (fmt.width, fmt.height), fmt.height * 0.4, 1.0)


def title_case(title: str, language: Language) -> str:
    """The title's text as the thumbnail burns it in."""
    return text_rules.caption_case(" ".join(title.split()), language)


def _thumbnail(picture, spec: RenderSpec):
    """A clean frame (no captions) a second into the first scene after the title card; the
    title goes large across it: the card itself would show the title twice."""
    start = spec.scene_starts[1] if len(spec.scene_starts) > 1 else 0.0
    frame = min(round((start + THUMBNAIL_AT_S) * spec.fmt.fps), sum(_scene_frames(spec)) - 1)
    return picture.filter("trim", start_frame=frame, end_frame=frame + 1).filter("setpts", "PTS-STARTPTS")
