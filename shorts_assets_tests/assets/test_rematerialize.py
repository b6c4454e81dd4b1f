"""Rematerializing what a person changed costs only that: a new caption style or preset re-renders
from the stored script, narration and clips, and asks no writer, voice or footage service again."""

import json

import pytest
from dagster import AssetKey, DagsterInstance

from shorts_assets.definitions import build_definitions
from shorts_assets.partitions import content_items
from shorts_assets_tests.assets.conftest import COLUMNS, ITEM
from shorts_assets_tests.conftest import small_settings


def service_calls(openai, elevenlabs) -> dict[str, int]:
    return {"writer": len(openai.calls("POST", "/v1/chat/completions")),
            "footage": len(openai.calls("POST", "/v1/images")),
            "voice": len(elevenlabs.calls("POST", "/v1/text-to-speech"))}


@pytest.fixture
def produced(services):
    """One item made through the real clients: its job and instance, to rematerialize it."""
    env = services[0]
    defs = build_definitions(small_settings(env))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    produce = defs.resolve_job_def("produce_content")
    assert produce.execute_in_process(partition_key=ITEM, instance=instance).success
    return produce, instance


def test_a_new_caption_style_rerenders_without_asking_any_service(services, produced, tmp_path):
    _, openai, elevenlabs, _, _ = services
    produce, instance = produced
    made = service_calls(openai, elevenlabs)
    assert all(made.values()), made
    captions = tmp_path / "store" / "rendered_video" / ITEM / "captions.ass"
    before = captions.read_text()

    restyled = produce.execute_in_process(
        partition_key=ITEM, instance=instance, asset_selection=[AssetKey("rendered_video")],
        run_config={"ops": {"rendered_video": {"config": {"highlight_rgb": "00FFAA", "font_size": 120}}}})
    assert restyled.success
    assert service_calls(openai, elevenlabs) == made  # zero writer, voice and footage calls
    after = captions.read_text()
    assert after != before and "&HAAFF00&" in after  # the new highlight, in ASS's BGR order
    [event] = restyled.get_asset_materialization_events()
    assert event.materialization.metadata["caption_style"].value["font_size"] == 120
    assert [e.asset_key.path[0] for e in restyled.get_asset_materialization_events()] == ["rendered_video"]


def test_a_bad_caption_style_fails_once_with_what_to_fix(produced, tmp_path):
    produce, instance = produced
    bad = produce.execute_in_process(
        partition_key=ITEM, instance=instance, asset_selection=[AssetKey("rendered_video")], raise_on_error=False,
        run_config={"ops": {"rendered_video": {"config": {"highlight_rgb": "yellow"}}}})
    assert not bad.success
    [failure] = [e for e in bad.all_events if e.is_step_failure]
    assert "colour must be six hex digits" in str(failure.step_failure_data.user_failure_data.description)
    assert (tmp_path / "store" / "rendered_video" / ITEM / "video.mp4").exists()  # the last good render stays


def rerender(produce, instance, config: dict, assets=("rendered_video",)):
    return produce.execute_in_process(
        partition_key=ITEM, instance=instance, asset_selection=[AssetKey(name) for name in assets],
        raise_on_error=False, run_config={"ops": {"rendered_video": {"config": config}}})


def stored_video(tmp_path) -> dict:
    return json.loads((tmp_path / "store" / "rendered_video" / ITEM / "record.json").read_text())["record"]


def test_a_caption_preset_from_the_config_rerenders_without_asking_any_service(services, produced, tmp_path):
    _, openai, elevenlabs, _, _ = services
    produce, instance = produced
    made = service_calls(openai, elevenlabs)
    restyled = rerender(produce, instance, {"caption_preset": "karaoke"})
    assert restyled.success
    assert service_calls(openai, elevenlabs) == made
    assert "\\kf" in (tmp_path / "store" / "rendered_video" / ITEM / "captions.ass").read_text()
    assert stored_video(tmp_path)["attributes"]["caption_style"] == "karaoke"  # what analytics learns from
    assert [(c.check_name, c.passed) for c in restyled.get_asset_check_evaluations()] == \
        [("rendered_video_meets_spec", True)]


def test_the_rows_caption_preset_is_used_unless_the_config_names_one(services, produced, tmp_path):
    _, openai, elevenlabs, _, sheets = services
    produce, instance = produced
    made = service_calls(openai, elevenlabs)
    cells = sheets.sheets["ideas"].cells
    cells[0].insert(len(COLUMNS) - 2, "caption_preset")
    cells[1].insert(len(COLUMNS) - 2, "Boxed")
    assert rerender(produce, instance, {}, assets=("idea", "rendered_video")).success
    assert service_calls(openai, elevenlabs) == made
    assert stored_video(tmp_path)["attributes"]["caption_style"] == "boxed"
    assert rerender(produce, instance, {"caption_preset": "pop"}).success
    assert stored_video(tmp_path)["attributes"]["caption_style"] == "pop"


def test_a_caption_under_the_platforms_buttons_fails_the_blocking_check(produced):
    produce, instance = produced
    low = rerender(produce, instance, {"margin_v": 0.0})
    [check] = low.get_asset_check_evaluations()
    assert not check.passed
    assert "under the buttons of YouTube Shorts" in check.description and "into the bottom 25%" in check.description


def test_an_unknown_caption_preset_fails_with_the_choices(produced):
    produce, instance = produced
    bad = rerender(produce, instance, {"caption_preset": "sparkly"})
    [failure] = [e for e in bad.all_events if e.is_step_failure]
    assert "choose one of classic, karaoke, pop, boxed, minimal" in str(
        failure.step_failure_data.user_failure_data.description)
