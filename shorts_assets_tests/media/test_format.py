import pytest

from shorts_assets.media.format import PRODUCTION, OutputFormat


def test_production_is_vertical_full_hd_at_30_fps_with_48_khz_sound():
    assert (PRODUCTION.size, PRODUCTION.fps, PRODUCTION.sample_rate) == ("1080x1920", 30, 48_000)


@pytest.mark.parametrize(("fields", "reason"), [
    ({"width": 1081}, "even"), ({"height": 32}, "64 to 4096"), ({"width": 8192}, "64 to 4096"),
    ({"fps": 0}, "outside 10 to 60"), ({"fps": 240}, "outside 10 to 60"),
])
def test_a_format_h264_cannot_carry_or_nobody_should_watch_is_refused(fields, reason):
    with pytest.raises(ValueError, match=reason):
        OutputFormat(**fields)
