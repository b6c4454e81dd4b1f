"""Our renderer against the moviepy reference (bench/) on a tiny item.

Both must make the same video (the reference is only a fair yardstick if they do), and ours
must stay several times cheaper. CPU seconds, not wall seconds: the ratio holds on a busy
machine, where wall times would flake.
"""

from __future__ import annotations

import pytest

from bench.inputs import make_inputs
from bench.render_ab import render_in_subprocess
from shorts_assets.media.probe import TARGET_LUFS, integrated_loudness, probe

pytestmark = pytest.mark.slow  # about 30 s: the inputs, then a render with each


def test_ours_renders_what_moviepy_renders_for_a_third_of_the_cpu(tmp_path):
    inputs_json = tmp_path / "inputs.json"
    inputs_json.write_text(make_inputs(tmp_path, narration_s=6.0, words=16).to_json(), encoding="utf-8")
    cpu_s, durations = {}, {}
    for renderer in ("ours", "moviepy"):
        video = tmp_path / f"{renderer}.mp4"
        cpu_s[renderer] = render_in_subprocess(renderer, inputs_json, video)["cpu_s"]
        info = probe(video)
        assert (info.width, info.height, info.fps) == (1080, 1920, 30.0), renderer
        assert (info.audio_codec, info.sample_rate) == ("aac", 48_000), renderer
        assert integrated_loudness(video) == pytest.approx(TARGET_LUFS, abs=1.5), renderer
        durations[renderer] = info.duration_s
    assert durations["ours"] == pytest.approx(durations["moviepy"], abs=0.2)
    assert cpu_s["moviepy"] >= 3 * cpu_s["ours"], cpu_s
