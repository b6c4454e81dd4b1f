"""Procedural backgrounds: animated pictures drawn by ffmpeg's own lavfi sources (gradients,
Conway's life, elementary cellular automata, a Mandelbrot zoom, Perlin noise) and text cards,
each an ffmpeg-python stream the render draws a scene with (`scenes.scene_picture`). No download,
no account, no Dagster.

Deterministic: every choice (colours, rule, motion) is drawn from the `random.Random` the
caller passes, and every lavfi source that can draw random numbers gets the caller's seed, so
the same seed always draws the same picture.

Speed: each source is generated small (a fraction of the output size, or a cell grid) and
scaled up, so 10 s at 1080x1920 took 1.3-2.5 s on two cores when encoded alone (see `GENERATORS`).
"""

from __future__ import annotations

import colorsys
import random
from collections.abc import Callable
from pathlib import Path

import ffmpeg

from shorts_assets.languages import Language
from shorts_assets.media import text_block
from shorts_assets.media.fonts import font_stack, fonts_dir
from shorts_assets.media.safe_areas import UNCOVERED, SafeArea

# --------------------------------------------------------------------------------------------
# Colours


def _hex(hue: float, sat: float, val: float) -> str:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, sat, val)
    return f"0x{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _rgb(color: str) -> tuple[int, int, int]:
    value = int(color[2:], 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def _palette(rng: random.Random, count: int, low: float = 0.22, high: float = 0.62) -> list[str]:
    """`count` related colours (analogous or split-complementary hues), dark enough for captions."""
    base = rng.random()
    spread = rng.choice([0.08, 0.12, 0.16, 0.33, 0.5])
    mid = (low + high) / 2
    return [
        _hex(
            base + spread * i + rng.uniform(-0.02, 0.02),
            rng.uniform(0.55, 0.9),
            # alternate darker and lighter so neighbouring colours always contrast
            rng.uniform(low, mid) if i % 2 == 0 else rng.uniform(mid, high),
        )
        for i in range(count)
    ]


# --------------------------------------------------------------------------------------------
# Generators: each returns (video stream at width x height and fps, seconds long; description)


def _source(name: str, **params) -> ffmpeg.nodes.FilterableStream:
    spec = ":".join(f"{key}={value}" for key, value in params.items())
    return ffmpeg.input(f"{name}={spec}", f="lavfi")


def _upscale(stream, width: int, height: int, flags: str):
    return stream.filter("scale", width, height, flags=flags).filter("setsar", 1)


def _two_tone(stream, dark: str, light: str):
    """Map a grey picture onto a colour ramp from `dark` (black) to `light` (white)."""
    (r0, g0, b0), (r1, g1, b1) = _rgb(dark), _rgb(light)
    return stream.filter("format", "rgb24").filter(
        "lutrgb",
        r=f"{r0}+({r1 - r0})*val/255",
        g=f"{g0}+({g1 - g0})*val/255",
        b=f"{b0}+({b1 - b0})*val/255",
    )


def _gradients(rng: random.Random, seed: int, w: int, h: int, fps: int, seconds: float):
    n = rng.randint(2, 4)
    colors = _palette(rng, n, 0.3, 0.75)
    speed = round(rng.uniform(0.006, 0.02), 4)
    params = {f"c{i}": color for i, color in enumerate(colors)}
    lw, lh = w // 4, h // 4
    # A gradient line from the top third to the bottom third, rotating about the centre.
    # (The radial/circular kinds are left out: their look depends on the rotation phase
    # and often collapses to a dot or a cone.)
    x0, y0 = rng.randint(0, lw), rng.randint(0, lh // 3)
    x1, y1 = rng.randint(0, lw), rng.randint(lh * 2 // 3, lh)
    src = _source(
        "gradients", s=f"{lw}x{lh}", r=fps, n=n, type="linear", speed=speed, seed=seed,
        x0=x0, y0=y0, x1=x1, y1=y1, d=f"{seconds:.3f}", **params,
    )
    return _upscale(src, w, h, "bicubic"), f"colors={','.join(colors)} speed={speed}"


_LIFE_RULES = ["B3/S23", "B3/S23", "B36/S23", "B3678/S34678", "B368/S245"]


def _life(rng: random.Random, seed: int, w: int, h: int, fps: int, seconds: float):
    cell = rng.choice([12, 15, 20])
    rule = rng.choice(_LIFE_RULES)
    dark, mold = _palette(rng, 2, 0.15, 0.35)
    alive = _hex(rng.random(), 0.5, 0.95)
    src = _source(
        "life", s=f"{w // cell}x{h // cell}", r=10, rule=rule, seed=seed,
        ratio=round(rng.uniform(0.2, 0.45), 2), mold=rng.randint(6, 24),
        life_color=alive, death_color=dark, mold_color=mold,
    )
    stream = src.filter("fps", fps).trim(duration=seconds)
    return _upscale(stream, w, h, "neighbor"), f"rule={rule} cell={cell} colors={alive},{dark}"


_CELLAUTO_RULES = [18, 30, 45, 73, 90, 105, 110, 122, 126, 150, 169, 225]


def _cellauto(rng: random.Random, seed: int, w: int, h: int, fps: int, seconds: float):
    cell = rng.choice([12, 15, 20])
    rule = rng.choice(_CELLAUTO_RULES)
    dark = _palette(rng, 1, 0.12, 0.25)[0]
    light = _hex(rng.random(), rng.uniform(0.35, 0.7), 0.5)
    src = _source(
        "cellauto", s=f"{w // cell}x{h // cell}", r=15, rule=rule, seed=seed,
        ratio=round(rng.uniform(0.3, 0.6), 2), full=1,
    )
    stream = _two_tone(src.filter("fps", fps).trim(duration=seconds), dark, light)
    return _upscale(stream, w, h, "neighbor"), f"rule={rule} cell={cell} colors={light},{dark}"


# Points on the boundary of the Mandelbrot set worth zooming into (x, y, start scale).
_MANDEL_POINTS = [
    (-0.743644, -0.131826, 0.08),
    (-0.7453, 0.1127, 0.02),
    (-0.16070135, 1.0375665, 0.05),
    (-1.25066, 0.02012, 0.05),
    (-0.77568377, 0.13646737, 0.04),
    (0.2549870375, 0.0005, 0.01),
    (-0.1011, 0.9563, 0.06),
    (-1.7497, 0.0, 0.04),
]


def _mandelbrot(rng: random.Random, seed: int, w: int, h: int, fps: int, seconds: float):
    x, y, scale = rng.choice(_MANDEL_POINTS)
    scale *= rng.uniform(0.8, 1.5)
    hue = rng.randint(0, 359)
    src = _source(
        "mandelbrot", s=f"{w // 4}x{h // 4}", r=fps, maxiter=256, start_x=x, start_y=y,
        start_scale=f"{scale:.5f}", end_scale=f"{scale / 4:.5f}", end_pts=fps * 12,
        outer="normalized_iteration_count", inner="mincol",
    )
    stream = (
        src.trim(duration=seconds)
        .filter("gblur", sigma=0.7)
        .filter("hue", h=hue, s=0.7)
        .filter("eq", brightness=-0.06)
    )
    return _upscale(stream, w, h, "bicubic"), f"x={x} y={y} hue={hue}"


def _perlin(rng: random.Random, seed: int, w: int, h: int, fps: int, seconds: float):
    dark, light = _palette(rng, 1, 0.08, 0.18)[0], _hex(rng.random(), rng.uniform(0.5, 0.85), 0.9)
    octaves = rng.randint(2, 3)
    src = _source(
        "perlin", s=f"{w // 6}x{h // 6}", r=fps, octaves=octaves,
        persistence=round(rng.uniform(0.4, 0.7), 2), xscale=round(rng.uniform(2.0, 4.0), 2),
        yscale=round(rng.uniform(2.0, 4.0), 2), tscale=round(rng.uniform(0.2, 0.5), 2),
        random_mode="seed", random_seed=seed,
    )
    stream = _two_tone(src.trim(duration=seconds), dark, light)
    return _upscale(stream, w, h, "bicubic"), f"octaves={octaves} colors={light},{dark}"


GENERATORS: dict[str, Callable] = {
    "gradients": _gradients,
    "life": _life,
    "cellauto": _cellauto,
    "mandelbrot": _mandelbrot,
    "perlin": _perlin,
}
"""Measured on 2 cores, 10 s at 1080x1920, preset ultrafast: gradients 1.4 s, life 1.6 s,
cellauto 1.3-1.5 s, mandelbrot 2.1 s, perlin 2.2 s (a text card: 2.0-2.5 s). Sources are
generated small (a quarter size, a sixth for perlin, a cell grid for the automata) and
scaled up; full-size gradients alone took 4.7 s."""


# --------------------------------------------------------------------------------------------
# Text cards


def text_card(text: str, language: Language, rng: random.Random, seed: int, w: int, h: int, fps: int,
              seconds: float, assfile: Path, safe: SafeArea = UNCOVERED):
    """`text` large on a slow gradient, fading in, centred in the `safe` area. The text is drawn
    by libass from an ASS document written to `assfile`, with the language's fonts, shaped and in
    its direction; raises UnreadableText (before drawing) if a character has no font."""
    stack = font_stack(language)
    stack.check([text], "the card text")
    colors = _palette(rng, 3, 0.18, 0.4)
    speed = round(rng.uniform(0.004, 0.012), 4)
    background = _upscale(
        _source(
            "gradients", s=f"{w // 4}x{h // 4}", r=fps, n=3, c0=colors[0], c1=colors[1],
            c2=colors[2], type="linear", speed=speed, seed=seed, x0=0, y0=0, x1=w // 4,
            y1=h // 4, d=f"{seconds:.3f}",
        ),
        w, h, "bicubic",
    )
    sizes = list(range(round(w * 0.11), round(w * 0.04) - 1, -max(1, round(w / 270))))
    left, top, right, bottom = safe.pixels(w, h)
    lines, fontsize = text_block.layout(text, language, min(w * 0.84, 0.92 * (right - left)),
                                        min(h * 0.55, 0.9 * (bottom - top)), sizes)
    document = text_block.document(lines, fontsize, language, (w, h), (top + bottom) / 2, seconds, fade_s=0.35,
                                   centre_x=(left + right) / 2)
    assfile.write_text(document, encoding="utf-8")
    fonts = fonts_dir([document], assfile.with_name(f"{assfile.stem}-fonts"))
    stream = background.filter("ass", filename=str(assfile), fontsdir=str(fonts))
    return stream, f"colors={','.join(colors)} lines={len(lines)} size={fontsize}"
