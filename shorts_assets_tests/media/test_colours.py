"""Colour distances in CIELAB: what the Pexels pick uses to prefer footage near a video's palette."""

import ffmpeg
import numpy as np
import pytest

from shorts_assets.media.colours import SIDE, hex_rgb, lab, palette_distance, picture_rgb
from shorts_assets.media.ffmpeg import MediaError, run


def test_lab_matches_the_published_values_of_srgb_primaries():
    found = lab(hex_rgb(["#ff0000", "#0000ff", "#ffffff", "#000000"]))
    expected = [[53.24, 80.09, 67.20], [32.30, 79.19, -107.86], [100, 0, 0], [0, 0, 0]]
    assert np.allclose(found, expected, atol=0.05)


def test_distance_is_perceptual_not_rgb():
    """Two greens and two blues the same RGB step apart: the eye sees the greens differ more."""
    greens = palette_distance(hex_rgb(["#00c000"]), ["#00e000"])
    blues = palette_distance(hex_rgb(["#0000c0"]), ["#0000e0"])
    assert greens > blues
    assert palette_distance(hex_rgb(["#1b3a4b", "#f2c14e"]), ["#1b3a4b", "#f2c14e"]) == pytest.approx(0)


def test_a_pictures_colours_are_read_through_ffmpeg(tmp_path):
    path = tmp_path / "teal.png"
    run(ffmpeg.output(ffmpeg.input("color=c=0x1b3a4b:s=40x30:d=1", f="lavfi"), str(path), frames=1), "make teal")
    pixels = picture_rgb(path)
    assert pixels.shape == (SIDE * SIDE, 3) and np.allclose(pixels, [0x1b, 0x3a, 0x4b], atol=2)
    assert palette_distance(pixels, ["#1b3a4b", "#ffffff"]) < 2 < palette_distance(pixels, ["#d62828"])
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(MediaError, match="colours of broken.png"):
        picture_rgb(tmp_path / "broken.png")
