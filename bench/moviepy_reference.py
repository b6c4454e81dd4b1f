"""The same short rendered the way MoneyPrinterTurbo or ShortGPT would, with moviepy 2.2.

A reference to measure our ffmpeg renderer against, written as a moviepy user writes it:
file clips cut, fitted and concatenated, TextClips composited over them for the captions,
a CompositeAudioClip for the voice and the bed, and write_videofile with the same x264
settings as ours, so the difference measured is the pipeline rather than the encoder.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from moviepy import (
    AudioFileClip,
    CompositeAudioClip,
    CompositeVideoClip,
    TextClip,
    VideoFileClip,
    afx,
    concatenate_videoclips,
)
from PIL import ImageFont

from bench.inputs import BenchInputs, ffmpeg_spec
from shorts_assets.media.ass import parse_dialogue_times
from shorts_assets.media.captions import DEFAULT_MARGIN_V, REFERENCE_HEIGHT, CaptionStyle, display_word, group_lines
from shorts_assets.media.compose import MUSIC_FILE_GAIN_DB
from shorts_assets.media.fonts import CAPTION_FACE
from shorts_assets.media.probe import TARGET_LUFS

# Our renderer's sidechain compressor takes about 16 dB off the bed under the bench narration
# (measured with ebur128); a constant cut while the voice speaks is the usual moviepy stand-in.
DUCK_DB = -16.0
FADE_S = 1.5
STYLE = CaptionStyle()  # the default look build_ass drew the bench captions with
# libass sizes a face by its Windows line height; Roboto Black's usWinAscent + usWinDescent
# over its units per em. Pillow sizes it by the em.
LIBASS_LINE_EM = (2146 + 555) / 2048


def render(inputs: BenchInputs, out_video: Path) -> None:
    """Write `out_video` in our renderer's format, H.264 + AAC, as our renderer would."""
    spec = ffmpeg_spec(inputs, out_video.parent)
    fmt = spec.fmt
    size = (fmt.width, fmt.height)
    ends = [*inputs.scene_starts[1:], spec.duration_s]
    with ExitStack() as opened:
        scenes = [
            _cover(opened.enter_context(VideoFileClip(str(clip))).subclipped(0, end - start), size)
            for clip, start, end in zip(inputs.clips, inputs.scene_starts, ends, strict=True)
        ]
        captions = _caption_clips(inputs, size)
        # As MoneyPrinterTurbo and ShortGPT compose: every frame is pasted onto a blank one.
        # use_bgclip=True would skip that (the scenes fill the frame) and make this about 1.6x
        # faster; the tools people use do not, so the reference does not either.
        video = CompositeVideoClip([concatenate_videoclips(scenes), *captions], size=size)
        video = video.with_audio(_soundtrack(inputs, spec.duration_s, fmt.sample_rate, opened))
        video.write_videofile(
            str(out_video), fps=fmt.fps, codec="libx264", preset=spec.preset,
            ffmpeg_params=["-crf", str(spec.crf), "-x264-params", spec.x264_params],
            audio_codec="aac", audio_fps=fmt.sample_rate, audio_bitrate="160k", pixel_format="yuv420p",
            threads=2, temp_audiofile_path=str(out_video.parent), logger=None,
        )


def _cover(clip: VideoFileClip, size: tuple[int, int]):
    """Scale to cover the frame, then crop the middle, as the `scale`+`crop` of ours does."""
    scale = max(size[0] / clip.w, size[1] / clip.h)
    if scale != 1:
        clip = clip.resized(scale)
    return clip.cropped(x_center=clip.w / 2, y_center=clip.h / 2, width=size[0], height=size[1])


def _caption_clips(inputs: BenchInputs, size: tuple[int, int]) -> list:
    """Each caption line in white for as long as it shows, the spoken word over it in the highlight.

    The timings are the Dialogue events of our captions file, one per word, so both renderers
    show every word at the same moment.
    """
    width, height = size
    font = str(CAPTION_FACE.path)
    font_size = round(STYLE.font_size * height / REFERENCE_HEIGHT / LIBASS_LINE_EM)
    stroke = round(STYLE.outline * height / REFERENCE_HEIGHT)
    pil_font = ImageFont.truetype(font, font_size)
    # moviepy 2.2.1 on Pillow >= 11.2 sizes a label to the ink and cuts off what is below the
    # cap height (moviepy issue 2421); a full line height, as moviepy meant it, keeps it whole.
    line_h = sum(pil_font.getmetrics()) + 2 * stroke
    text = {
        "font": font, "font_size": font_size, "stroke_color": f"#{STYLE.outline_rgb}", "stroke_width": stroke,
        "size": (None, line_h), "vertical_align": "top",
    }
    y = height - round(DEFAULT_MARGIN_V * height) - line_h + stroke
    events = iter(parse_dialogue_times(inputs.captions.read_text(encoding="utf-8")))
    clips = []
    for line in group_lines(inputs.words, style=STYLE):
        spans = [next(events)[:2] for _ in line]
        words = [display_word(word.word) for word in line]
        shown = TextClip(text=" ".join(words), color=f"#{STYLE.text_rgb}", **text)
        x = (width - shown.w) / 2
        clips.append(shown.with_position((x, y)).with_start(spans[0][0]).with_end(spans[-1][1]))
        for index, (start, end) in enumerate(spans):
            offset = pil_font.getlength(" ".join([*words[:index], ""]))
            spoken = TextClip(text=words[index], color=f"#{STYLE.highlight_rgb}", **text)
            clips.append(spoken.with_position((x + offset, y)).with_start(start).with_end(end))
    return clips


def _soundtrack(inputs: BenchInputs, duration_s: float, sample_rate: int, opened: ExitStack) -> CompositeAudioClip:
    """The narration at -14 LUFS and the bed, faded, kept low and cut further under the voice."""
    gain_db = TARGET_LUFS - inputs.loudness.input_i
    voice = opened.enter_context(AudioFileClip(str(inputs.narration), fps=sample_rate))
    bed = opened.enter_context(AudioFileClip(str(inputs.music), fps=sample_rate)).subclipped(0, duration_s)
    fade = min(FADE_S, duration_s / 4)
    bed = bed.with_effects([
        afx.MultiplyVolume(_factor(MUSIC_FILE_GAIN_DB)),
        afx.MultiplyVolume(_factor(DUCK_DB), start_time=0, end_time=inputs.narration_s),
        afx.AudioFadeIn(fade), afx.AudioFadeOut(fade),
    ])
    return CompositeAudioClip([voice.with_effects([afx.MultiplyVolume(_factor(gain_db))]), bed])


def _factor(db: float) -> float:
    return 10 ** (db / 20)
