"""How near a picture's colours sit to a video's palette, measured in CIELAB.

CIELAB is built so that a distance in it is about as large as the difference the eye sees,
which RGB is not (a step in green looks bigger than the same step in blue). A picture is
shrunk by ffmpeg to SIDE x SIDE pixels, which keeps its colours and their shares, and each
pixel counts by how far it is from the nearest palette colour.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from .ffmpeg import MediaError, ffmpeg_exe

SIDE = 16
SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
EPSILON = (6 / 29) ** 3


def hex_rgb(colours: list[str]) -> np.ndarray:
    """"#rrggbb" colours as rows of (r, g, b), 0-255."""
    return np.array([[int(colour[i:i + 2], 16) for i in (1, 3, 5)] for colour in colours], dtype=float)


def lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB rows (0-255) as CIELAB rows (L, a, b) under the D65 white point."""
    c = np.asarray(rgb, dtype=float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ SRGB_TO_XYZ.T / WHITE_D65
    f = np.where(xyz > EPSILON, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def palette_distance(rgb: np.ndarray, palette: list[str]) -> float:
    """The mean distance (CIE76 delta E) from each colour to its nearest palette colour: 0 when
    every colour is one of the palette's, about 2 where the eye starts to see a difference."""
    ours, theirs = lab(rgb), lab(hex_rgb(palette))
    return float(np.linalg.norm(ours[:, None, :] - theirs[None, :, :], axis=2).min(axis=1).mean())


def picture_rgb(path: Path | str) -> np.ndarray:
    """The first picture of an image or video, shrunk to SIDE x SIDE pixels: rows of (r, g, b)."""
    args = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0", "-frames:v", "1",
            "-vf", f"scale={SIDE}:{SIDE}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    proc = subprocess.run(args, capture_output=True)
    if proc.returncode != 0 or len(proc.stdout) != SIDE * SIDE * 3:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise MediaError(f"ffmpeg failed to read the colours of {Path(path).name}: {' '.join(tail)}")
    return np.frombuffer(proc.stdout, dtype=np.uint8).reshape(-1, 3).astype(float)
