"""Procedural backgrounds: the lavfi generators and the text cards' wrapping."""

from __future__ import annotations

import random

import ffmpeg
import pytest

from shorts_assets.languages import DEFAULT
from shorts_assets.media.backgrounds import GENERATORS
from shorts_assets.media.ffmpeg import run
from shorts_assets.media.fonts import font_stack
from shorts_assets.media.probe import probe
from shorts_assets.media.text_block import layout
from shorts_assets.providers.footage import scene_seed
from shorts_assets_tests.conftest import SMALL

SECONDS = 1.5


def _render(kind: str, seed: int, seconds: float, out, fmt=SMALL) -> str:
    """One clip from a named generator and seed; its description."""
    stream, params = GENERATORS[kind](random.Random(seed), seed, fmt.width, fmt.height, fmt.fps, seconds)
    run(ffmpeg.output(stream.filter("format", "yuv420p"), str(out), t=f"{seconds:.3f}", r=fmt.fps,
                      vcodec="libx264", preset="ultrafast"), f"make a {kind} clip")
    return params


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_each_generator_makes_a_vertical_h264_clip(tmp_path, kind):
    out = tmp_path / f"{kind}.mp4"
    assert _render(kind, 1234, SECONDS, out)
    info = probe(out)
    assert (info.width, info.height, info.fps) == (SMALL.width, SMALL.height, SMALL.fps)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", None)
    assert info.duration_s == pytest.approx(SECONDS, abs=0.05)


def test_different_scenes_get_different_colours():
    for kind, generate in GENERATORS.items():
        params = set()
        for i in range(6):
            seed = scene_seed("honeybees-1", i)
            _, described = generate(random.Random(seed), seed, 1080, 1920, 30, 1.0)
            params.add(described)
        assert len(params) == 6, (kind, params)
        if kind != "mandelbrot":  # mandelbrot varies its hue and place instead
            assert len({p.split("colors=")[1].split()[0] for p in params}) == 6


def test_card_text_wraps_to_fit():
    sizes = list(range(119, 42, -4))
    lines, size = layout("Why octopuses have three hearts and blue blood", DEFAULT, 907, 1056, sizes)
    assert 1 < len(lines) <= 6
    assert all(font_stack(DEFAULT).width(line, size) <= 907 for line in lines)
    assert " ".join(lines) == "Why octopuses have three hearts and blue blood"
    long = " ".join(["word"] * 200)
    lines, size = layout(long, DEFAULT, 907, 1056, sizes)
    assert size == 43 and lines
