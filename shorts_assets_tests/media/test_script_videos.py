"""Rows in Georgian, Hindi, Arabic and Thai through the real asset graph on the offline providers:
each becomes a short whose gate passes, its text drawn by bundled faces. A stored captions file
carrying characters no bundled font has fails the gate; a row in such a script fails the render."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance

from shorts_assets.assets.narration import NARRATION
from shorts_assets.assets.video import rendered_video
from shorts_assets.definitions import build_definitions
from shorts_assets.media.ass import comment
from shorts_assets.partitions import content_items
from shorts_assets.spec import video_problems
from shorts_assets.store import LocalStore, load_record
from shorts_assets_tests.conftest import GOOD_ROW, SMALL, small_settings, write_sheet

ROWS = {
    "scripts-ka": ("ka", "რვაფეხა", "რვაფეხას სამი გული აქვს. | მისი სისხლი ლურჯია."),
    "scripts-hi": ("hi", "ऑक्टोपस", "ऑक्टोपस के तीन दिल होते हैं। | उसका खून नीला होता है।"),
    "scripts-ar": ("ar", "الأخطبوط", "للأخطبوط ثلاثة قلوب. | دمه أزرق."),
    "scripts-th": ("th", "ปลาหมึกยักษ์", "ปลาหมึกยักษ์มีหัวใจสามดวง | เลือดของมันเป็นสีน้ำเงิน"),
    "scripts-tifinagh": ("en", "ⵜⴰⵎⴰⵣⵉⵖⵜ", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⴽ."),
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    write_sheet(home / "content_sheet.csv", [
        {**GOOD_ROW, "item_id": key, "language": code, "voice": "en-us" if code == "en" else code,
         "topic": topic, "facts": facts, "target_seconds": "10", "status": "queued"}
        for key, (code, topic, facts) in ROWS.items()])
    defs = build_definitions(small_settings({"SHORTS_HOME": str(home)}))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, list(ROWS))
    job = defs.resolve_job_def("content_pipeline")
    results = {key: job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False)
               for key in ROWS}
    return home, results


@pytest.mark.parametrize("key", ["scripts-ka", "scripts-hi", "scripts-ar", "scripts-th"])
def test_a_row_in_its_script_becomes_a_short_whose_gate_passes(made, key):
    home, results = made
    result = results[key]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [("rendered_video_meets_spec", True)], \
        [c.description for c in checks]
    captions = (home / "store" / "rendered_video" / key / "captions.ass").read_text(encoding="utf-8")
    assert f"Language: {ROWS[key][0]}" in captions and "Comment: " in captions


def test_a_row_no_bundled_font_can_draw_fails_the_render_naming_the_characters(made):
    _, results = made
    result = results["scripts-tifinagh"]
    failures = [e for e in result.all_events if e.is_step_failure]
    assert not result.success and [e.step_key for e in failures] == ["scenes"]  # the title card, before drawing
    why = failures[0].step_failure_data.user_failure_data.description
    assert "'ⵜ' (U+2D5C, Tifinagh)" in why and "remove those characters" in why, why


def test_the_gate_fails_stored_captions_with_characters_no_font_has(made):
    home, _ = made
    store = LocalStore(home / "store")
    video = load_record(store, rendered_video.key, "scripts-ka")
    for media in (video.video, video.thumbnail, video.captions):
        media.path = store.path(media.key)
    narration_s = load_record(store, NARRATION, "scripts-ka").duration_s
    assert video_problems(video, narration_s, SMALL)[0] == []
    captions = video.captions.local()
    captions.write_text(captions.read_text(encoding="utf-8") + comment("title", "ᏣᎳᎩ") + "\n", encoding="utf-8")
    problems, _ = video_problems(video, narration_s, SMALL)
    assert len(problems) == 1 and "'Ꮳ' (U+13E3, Cherokee)" in problems[0]
