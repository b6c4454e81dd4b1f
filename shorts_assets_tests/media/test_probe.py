from __future__ import annotations

import ffmpeg
import pytest

from shorts_assets.media.ffmpeg import MediaError, run
from shorts_assets.media.probe import (
    TARGET_LUFS,
    integrated_loudness,
    measure_loudness,
    parse_input_summary,
    probe,
    voice_filters,
    voice_gain_db,
)

from .conftest import lavfi


def test_probe_reads_video_and_audio_streams(media_dir):
    path = lavfi(
        media_dir / "probe.mp4", "testsrc=s=160x284:r=25[out0];sine=f=440:r=44100[out1]", 2,
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
    )
    info = probe(path)
    assert (info.width, info.height, info.fps) == (160, 284, 25.0)
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", 44100, 2)
    assert info.duration_s == pytest.approx(2.0, abs=0.05)


def test_probe_leaves_absent_streams_empty(narration_wav):
    info = probe(narration_wav)
    assert (info.audio_codec, info.sample_rate, info.channels) == ("pcm_s16le", 22050, 1)
    assert info.video_codec is info.width is info.fps is info.pix_fmt is None
    assert info.duration_s == pytest.approx(4.0, abs=0.01)


def test_parse_input_summary_handles_nested_commas():
    log = (
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mov':\n"
        "  Duration: 00:01:02.50, start: 0.000000, bitrate: 9000 kb/s\n"
        "  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, "
        "progressive), 1920x1080 [SAR 1:1 DAR 16:9], 8000 kb/s, 29.97 fps, 29.97 tbr (default)\n"
        "  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1(side), "
        "fltp, 384 kb/s (default)\n"
        "Output #0, null, to 'pipe:':\n"
        "  Stream #0:0: Video: wrapped_avframe, rgb24, 64x64, 25 fps\n"
    )
    info = parse_input_summary(log)
    assert info.duration_s == pytest.approx(62.5)
    assert (info.width, info.height, info.fps, info.pix_fmt) == (1920, 1080, 29.97, "yuv420p")
    assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", 48000, 6)


def test_probe_missing_file_is_a_media_error(tmp_path):
    with pytest.raises(MediaError, match="no such media file"):
        probe(tmp_path / "nope.mp4")


def test_loudness_of_a_known_sine(media_dir):
    # BS.1770: a full-scale 1 kHz sine reads -3.01 LUFS, and ffmpeg's sine is 18.06 dB below that.
    sine = lavfi(media_dir / "sine.wav", "sine=f=1000:r=48000", 3)
    measured = measure_loudness(sine)
    assert measured.input_i == pytest.approx(-21.07, abs=0.2)
    assert measured.input_tp == pytest.approx(-18.06, abs=0.2)
    assert measured.target_offset == pytest.approx(0, abs=0.15)  # no peak to limit: gain alone
    assert integrated_loudness(sine) == pytest.approx(-21.07, abs=0.2)


def test_peaky_narration_gets_the_gain_that_its_limited_peaks_cost(narration_wav, tmp_path):
    measured = measure_loudness(narration_wav)
    plain_gain = TARGET_LUFS - measured.input_i
    assert measured.input_tp + plain_gain > -1.5  # loudnorm's linear mode would refuse this
    assert measured.target_offset > 1
    voice = ffmpeg.input(str(narration_wav)).audio
    for name, options in voice_filters(voice_gain_db(measured)):
        voice = voice.filter(name, **options)
    run(ffmpeg.output(voice, str(tmp_path / "voice.wav")), "run the voice chain")
    assert integrated_loudness(tmp_path / "voice.wav") == pytest.approx(TARGET_LUFS, abs=0.2)


def test_measure_loudness_refuses_silence(media_dir):
    silence = lavfi(media_dir / "silence.wav", "anullsrc=r=48000:cl=mono", 2)
    with pytest.raises(MediaError, match="no measurable loudness"):
        measure_loudness(silence)
