from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shorts_assets.media.captions import build_ass
from shorts_assets.media.compose import RenderSpec, render_video
from shorts_assets.media.ffmpeg import MediaError
from shorts_assets.media.format import PRODUCTION, OutputFormat
from shorts_assets.media.previews import STRIP_HEIGHT, THUMB_HEIGHT
from shorts_assets.media.probe import integrated_loudness, measure_loudness, probe
from shorts_assets.models import MediaFile, VideoSource, WordTiming
from shorts_assets_tests.conftest import SMALL

from .conftest import count_pixels, frame_rgb, lavfi

NARRATION_S = 4.0
TAIL_S = 0.6
# Scene 0 (the flat blue clip) has words until 1.2 s, then a pause; scene 1 (pattern) from 2.0 s.
WORDS = [
    WordTiming(word=w, start=s, end=s + 0.35, scene=n)
    for w, s, n in [
        ("bees", 0.0, 0), ("can", 0.4, 0), ("dance", 0.8, 0),
        ("and", 2.0, 1), ("they", 2.4, 1), ("really", 2.8, 1), ("do", 3.2, 1), ("it", 3.6, 1),
    ]
]


def is_yellow(r, g, b):
    return r > 190 and g > 160 and b < 100


def is_white(r, g, b):
    return min(r, g, b) > 200


def is_clip_blue(r, g, b):
    return abs(r - 0x20) < 16 and abs(g - 0x30) < 16 and abs(b - 0x80) < 16


def make_spec(
    folder: Path, clips, narration: Path, fmt: OutputFormat = SMALL, **changes
) -> RenderSpec:
    folder.mkdir(parents=True, exist_ok=True)
    captions = folder / "captions.ass"
    captions.write_text(build_ass(WORDS, fmt), encoding="utf-8")
    spec = RenderSpec(
        scenes=[VideoSource(media=MediaFile(name=Path(clip).name, mime="video/mp4", path=clip)) for clip in clips],
        scene_starts=[0.0, 2.0], narration=narration,
        narration_duration_s=NARRATION_S, loudness=measure_loudness(narration),
        captions=captions, out_video=folder / "video.mp4",
        out_thumbnail=folder / "thumbnail.jpg", title="Why do bees dance? A short, sweet answer",
        tail_s=TAIL_S, fmt=fmt,
    )
    return dataclasses.replace(spec, **changes)


@pytest.fixture(scope="module")
def rendered(media_dir, blue_clip, pattern_clip, narration_wav):
    # Filter-graph specials in the captions path: it reaches ffmpeg inside `ass=filename=...`.
    folder = media_dir / "render, it's [odd]; 100%: a=b\\c"
    spec = make_spec(folder, [blue_clip, pattern_clip], narration_wav, PRODUCTION)  # the full-size spec
    return spec, render_video(spec)


def test_output_meets_the_delivery_spec(rendered):
    spec, result = rendered
    info = probe(spec.out_video)
    assert (info.width, info.height, info.fps) == (1080, 1920, 30.0)
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", 48000, 2)
    assert info.duration_s == pytest.approx(NARRATION_S + TAIL_S, abs=0.1)
    assert result.duration_s == pytest.approx(NARRATION_S + TAIL_S)
    assert result.seconds > 0
    data = spec.out_video.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: playable while downloading


def test_narration_is_normalised_to_minus_14_lufs(rendered):
    spec, _ = rendered
    assert integrated_loudness(spec.out_video) == pytest.approx(-14.0, abs=0.5)


def test_captions_are_burned_in_on_word_times_only(rendered, tmp_path):
    spec, _ = rendered
    band = (0.55, 0.75)  # the caption line sits above 70 % of the height
    spoken = frame_rgb(spec.out_video, 0.5, tmp_path / "spoken.ppm")
    assert count_pixels(spoken, band, is_yellow) > 50
    pause = frame_rgb(spec.out_video, 1.7, tmp_path / "pause.ppm")
    width, height, _ = pause
    assert count_pixels(pause, (0.0, 1.0), is_clip_blue) > 0.99 * width * height


def test_scenes_cut_at_their_start_times(rendered, tmp_path):
    spec, _ = rendered
    first = frame_rgb(spec.out_video, 1.9, tmp_path / "first.ppm")
    second = frame_rgb(spec.out_video, 2.1, tmp_path / "second.ppm")
    top = (0.0, 0.5)
    assert count_pixels(first, top, lambda *rgb: not is_clip_blue(*rgb)) == 0
    assert count_pixels(second, top, lambda *rgb: not is_clip_blue(*rgb)) > 1000


def test_thumbnail_is_a_full_size_frame_with_the_title(rendered):
    spec, _ = rendered
    info = probe(spec.out_thumbnail)
    assert (info.video_codec, info.width, info.height) == ("mjpeg", 1080, 1920)


def test_thumbnail_shows_the_title_over_a_clean_frame_of_the_first_beat(
    blue_clip, narration_wav, tmp_path
):
    spec = make_spec(tmp_path, [blue_clip, blue_clip], narration_wav)
    render_video(spec)
    thumb = frame_rgb(spec.out_thumbnail, None, tmp_path / "thumb.ppm")
    assert count_pixels(thumb, (0.1, 0.6), is_white) > 100
    assert count_pixels(thumb, (0.55, 0.75), is_yellow) == 0  # no captions on the thumbnail


def test_the_frame_strip_shows_the_video_from_start_to_end(blue_clip, pattern_clip, narration_wav, tmp_path):
    """Six frames from across the video, and the thumbnail made small, drawn in the render's own pass:
    the first scene's frames on the left."""
    spec = make_spec(tmp_path, [blue_clip, pattern_clip], narration_wav, out_frames=tmp_path / "frames.jpg",
                     out_preview=tmp_path / "preview.jpg")
    render_video(spec)
    preview = probe(spec.out_preview)
    assert (preview.width, preview.height) == (SMALL.width * THUMB_HEIGHT // SMALL.height, THUMB_HEIGHT)
    info = probe(spec.out_frames)
    assert (info.width, info.height) == (6 * 90 + 5 * 4, STRIP_HEIGHT)  # 9:16 frames with 4 px between them
    strip = frame_rgb(spec.out_frames, None, tmp_path / "strip.ppm", size=f"{info.width}x{info.height}")
    width, height, rgb = strip
    tiles = [(column * 94 + 45, height // 4) for column in range(6)]  # each frame's middle, above the captions
    blue = [is_clip_blue(*rgb[(y * width + x) * 3:(y * width + x) * 3 + 3]) for x, y in tiles]
    first_scene = sum(blue)  # the blue scene runs from 0 to 2 s of the video's NARRATION_S + TAIL_S
    assert blue == [True] * first_scene + [False] * (6 - first_scene) and 0 < first_scene < 6


@pytest.mark.parametrize("music", ["ambient", "file"])
def test_music_bed_is_ducked_under_the_voice(music, media_dir, blue_clip, narration_wav, tmp_path):
    if music == "file":
        music = str(lavfi(tmp_path / "music.wav", "sine=f=220:r=44100", 1.5, "-ac", "2"))
    spec = make_spec(
        tmp_path, [blue_clip, blue_clip], narration_wav, music=music, seed=7
    )
    render_video(spec)
    info = probe(spec.out_video)
    assert (info.width, info.height, info.audio_codec) == (270, 480, "aac")
    assert info.duration_s == pytest.approx(NARRATION_S + TAIL_S, abs=0.1)
    assert integrated_loudness(spec.out_video) == pytest.approx(-14.0, abs=1.0)


def test_a_scene_without_time_is_left_out(media_dir, blue_clip, pattern_clip, narration_wav):
    spec = make_spec(
        media_dir / "empty-scene", [blue_clip, pattern_clip, blue_clip], narration_wav,
        scene_starts=[0.0, 2.0, 2.0],
    )
    render_video(spec)
    assert probe(spec.out_video).duration_s == pytest.approx(NARRATION_S + TAIL_S, abs=0.1)
    last = frame_rgb(spec.out_video, 3.0, media_dir / "empty-scene" / "last.ppm")
    assert count_pixels(last, (0.0, 0.5), is_clip_blue) > 0.9 * last[0] * last[1] / 2


def test_over_sixty_seconds_is_refused(blue_clip, narration_wav, tmp_path):
    spec = make_spec(tmp_path, [blue_clip, blue_clip], narration_wav, narration_duration_s=59.6)
    with pytest.raises(MediaError, match="over the 60 s limit"):
        render_video(spec)
    assert not spec.out_video.exists()


def test_missing_source_is_a_media_error(blue_clip, narration_wav, tmp_path):
    spec = make_spec(tmp_path, [blue_clip, tmp_path / "gone.mp4"], narration_wav)
    with pytest.raises(MediaError, match="the picture of scene 1 not found"):
        render_video(spec)


def test_scene_starts_must_fit_the_narration(blue_clip, narration_wav, tmp_path):
    spec = make_spec(tmp_path, [blue_clip, blue_clip], narration_wav, scene_starts=[0.0, 4.9])
    with pytest.raises(MediaError, match="scene starts"):
        render_video(spec)
    spec = make_spec(tmp_path, [blue_clip, blue_clip], narration_wav, scene_starts=[0.5, 1.0])
    with pytest.raises(MediaError, match="scene starts"):
        render_video(spec)
