import pytest

from shorts_assets.media.clips import MOTIONS, animate_image, conform_video
from shorts_assets.media.format import OutputFormat
from shorts_assets.media.probe import probe
from shorts_assets_tests.media.conftest import lavfi

SMALL = OutputFormat(width=108, height=192, fps=30)


def test_any_video_becomes_a_silent_portrait_clip_of_the_length_asked(pattern_clip, tmp_path):
    out = tmp_path / "clip.mp4"
    conform_video(pattern_clip, 2.5, out, SMALL)  # a 1 s landscape clip with no audio to speak of
    info = probe(out)
    assert (info.width, info.height, info.fps, info.video_codec, info.audio_codec) == (108, 192, 30, "h264", None)
    assert info.duration_s == pytest.approx(2.5, abs=0.05)


@pytest.mark.parametrize("motion", sorted(MOTIONS))
def test_a_still_moves_every_way(motion, tmp_path):
    still = lavfi(tmp_path / "still.png", "testsrc2=s=320x240", 0.04, "-frames:v", "1")
    out = tmp_path / f"{motion}.mp4"
    animate_image(still, 1.0, out, SMALL, motion)
    info = probe(out)
    assert (info.width, info.height) == (108, 192) and info.duration_s == pytest.approx(1.0, abs=0.05)


def test_an_unknown_motion_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown motion"):
        animate_image(tmp_path / "x.png", 1.0, tmp_path / "x.mp4", SMALL, "spin")
