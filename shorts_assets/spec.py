"""The delivery spec, measured on a rendered file itself: what the blocking check gates publishing on,
and what the review page shows beside the video (both measure; neither takes the other's word)."""

from .assets import TAIL_SECONDS
from .media.ass import parse_dialogue_times
from .media.fonts import UnreadableText, check_burned_in
from .media.format import OutputFormat
from .media.probe import TARGET_LUFS, integrated_loudness, probe
from .media.text_boxes import under_buttons
from .models import MAX_VIDEO_SECONDS, RenderedVideo


def video_problems(
    video: RenderedVideo, narration_s: float, fmt: OutputFormat, platforms: tuple[str, ...] | list[str] = ("sandbox",),
) -> tuple[list[str], dict]:
    """Everything wrong with a rendered short, measured on the file itself, for the format asked
    and the platforms it goes to (whose buttons no caption may sit under)."""
    info = probe(video.video.local())
    lufs = integrated_loudness(video.video.local())
    thumb = probe(video.thumbnail.local())
    document = video.captions.local().read_text(encoding="utf-8")
    captions = parse_dialogue_times(document)
    try:
        check_burned_in(document)
        unreadable = ""
    except UnreadableText as error:
        unreadable = str(error)
    expected = narration_s + TAIL_SECONDS
    size = f"{info.width}x{info.height}"
    problems = [
        message
        for failed, message in (
            (size != fmt.size, f"size is {size}, not {fmt.size}"),
            (info.video_codec != "h264", f"video codec is {info.video_codec}, not h264"),
            (info.pix_fmt != "yuv420p", f"pixel format is {info.pix_fmt}, not yuv420p"),
            (info.audio_codec != "aac" or info.sample_rate != fmt.sample_rate,
             f"audio is not AAC at {fmt.sample_rate / 1000:g} kHz"),
            (abs(info.fps - fmt.fps) > 0.01, f"{info.fps} fps, not {fmt.fps}"),
            (info.duration_s > MAX_VIDEO_SECONDS, f"{info.duration_s:.2f} s is over {MAX_VIDEO_SECONDS:.0f} s"),
            (abs(info.duration_s - expected) > 0.5, f"{info.duration_s:.2f} s, expected {expected:.2f} s"),
            (abs(lufs - TARGET_LUFS) > 1.0, f"loudness {lufs:.1f} LUFS, not {TARGET_LUFS:g} +-1"),
            (not captions, "no captions"),
            (bool(unreadable), unreadable),
            (f"{thumb.width}x{thumb.height}" != fmt.size, f"thumbnail is not {fmt.size}"),
        )
        if failed
    ] + under_buttons(document, platforms)
    figures = {"duration_s": info.duration_s, "size": f"{size} @ {info.fps:g} fps", "loudness_lufs": lufs,
               "caption_events": len(captions)}
    return problems, figures
