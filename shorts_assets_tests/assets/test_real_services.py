"""A whole item through the real clients (openai, elevenlabs, google-api-python-client, gspread),
each talking HTTP to its local fake. Nothing here resolves a host other than 127.0.0.1."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, build_sensor_context

from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.definitions import build_definitions
from shorts_assets.languages import language
from shorts_assets.models import VisualStyle
from shorts_assets.partitions import content_items
from shorts_assets.text_rules import full_stop, units
from shorts_assets_tests.assets.conftest import COLUMNS, ITEM, set_status
from shorts_assets_tests.conftest import GOOD_ROW, small_settings, sync_sheet, write_sheet
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.openai_api import error

IMAGES = "/v1/images/generations"

ROOT = Path(__file__).resolve().parents[2]


def test_a_whole_item_through_the_real_clients_with_review_costs_and_one_upload(services, tmp_path):
    env, openai, elevenlabs, youtube, sheets = services
    defs = build_definitions(small_settings(env))  # a real platform: review is required
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    produced = defs.resolve_job_def("produce_content").execute_in_process(partition_key=ITEM, instance=instance)
    assert produced.success

    records = {key: json.loads((tmp_path / "store" / key / ITEM / "record.json").read_text())["record"]
               for key in ("script", "narration", "clips")}
    assert records["script"]["costs"][0]["service"] == "openai" and records["script"]["costs"][0]["usd"] > 0
    assert records["narration"]["costs"][0]["units"]["characters"] > 0
    asked = [request.json()["prompt"] for request in openai.calls("POST", IMAGES)]
    assert len(records["clips"]["costs"]) == len(asked) == len(set(asked)) == len(records["clips"]["clips"]) - 1
    # the fake writer gives both beats one visual prompt: one picture, paid once, shows in both
    look = VisualStyle.model_validate(records["script"]["style"]).line
    assert all(f"Look: {look}." in prompt for prompt in asked)  # one look for every still of the video
    metadata = {e.asset_key.path[0]: e.materialization.metadata for e in produced.get_asset_materialization_events()}
    paid = {key for key, values in metadata.items() if "cost_usd" in values and values["cost_usd"].value > 0}
    assert {"script", "narration", "clips"} <= paid

    publish = defs.resolve_job_def("publish_content")
    by_hand = publish.execute_in_process(partition_key=ITEM, instance=instance, raise_on_error=False)
    assert not by_hand.success and youtube.uploads == []  # the gate holds for a run launched by hand
    set_status(sheets, "approved")
    assert publish.execute_in_process(partition_key=ITEM, instance=instance).success

    post = json.loads((tmp_path / "store" / "published_post" / ITEM / "record.json").read_text())["record"]["posts"][0]
    assert post["platform"] == "youtube" and post["url"].endswith(post["post_id"])
    assert len(youtube.uploads) == 1
    video = tmp_path / "store" / "rendered_video" / ITEM / "video.mp4"
    assert bytes(youtube.uploads[0].data) == video.read_bytes()
    assert youtube.uploads[0].metadata["status"]["containsSyntheticMedia"] is True

    again = publish.execute_in_process(partition_key=ITEM, instance=instance,
                                       asset_selection=[AssetKey("published_post")])
    assert again.success
    assert len(youtube.uploads) == 1  # the post ledger: no second upload


def test_a_retried_clips_step_pays_only_for_the_pictures_it_had_not_drawn(services, tmp_path):
    """The call-to-action picture is refused once (a 429 the SDK may not retry): Dagster retries the
    step, which draws that picture alone; each distinct prompt is answered once in all."""
    env, openai, elevenlabs, youtube, sheets = services
    openai.fail_next(error(429, "Rate limit reached for images.", "rate_limit_exceeded", "requests",
                           {"x-should-retry": "false", "Retry-After": "0"}), IMAGES,
                    body_has="call_to_action text")  # the fake writer's call to action, the subject of its card
    defs = build_definitions(small_settings(env))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    made = defs.resolve_job_def("produce_content").execute_in_process(
        partition_key=ITEM, instance=instance, asset_selection=[AssetKey(name) for name in ("idea", "script", "clips")])
    assert made.success
    retries = [e for e in made.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    assert [e.step_key for e in retries] == ["scenes"]
    asked = [request.json()["prompt"] for request in openai.calls("POST", IMAGES)]
    assert len(asked) == len(set(asked)) + 1  # every prompt answered once, and the refused one asked again
    record = json.loads((tmp_path / "store" / "clips" / ITEM / "record.json").read_text())["record"]
    assert [c["units"] for c in record["costs"]] == [{"images": 1}]  # the retry drew the call to action alone
    assert [clip["scene"] for clip in record["clips"]] == list(range(len(record["clips"])))


@pytest.mark.slow
def test_make_demo_runs_unchanged_against_the_selected_services(services, tmp_path):
    """The demo's daemon, its code server and its run workers all read the same environment."""
    env, openai, elevenlabs, youtube, sheets = services
    demo_env = {**os.environ, **env, "DAGSTER_HOME": str(tmp_path / "dagster"), "SHORTS_DEMO_TIMEOUT": "300",
                "SHORTS_REVIEW": "auto"}
    set_status(sheets, "")  # a fresh row: the sensor queues it
    sheets.sheets["ideas"].cells[1][COLUMNS.index("item_id")] = ""
    proc = subprocess.run([sys.executable, "-m", "shorts_assets.demo"], cwd=ROOT, env=demo_env,
                          capture_output=True, text=True, timeout=420)
    header, row = sheets.grid("ideas")[:2]
    assert row[header.index("status")] == "published", proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0
    assert len(youtube.uploads) == 1 and "youtube.com/shorts/" in proc.stdout
    assert openai.calls("POST", "/v1/chat/completions") and elevenlabs.calls("POST", "/v1/text-to-speech")


def test_one_row_in_three_languages_makes_three_published_items_that_trace_back_to_it(services, tmp_path):
    """`languages: en,es,hi` against the fakes: a script, narration, captions and post per language (the
    fake writer marks what it writes in another language than English), and lineage to the row."""
    env, openai, elevenlabs, youtube, sheets = services
    header = [*COLUMNS[:-2], "languages"]
    sheets.sheets["ideas"].cells = [header, [*(GOOD_ROW.get(c, "") for c in COLUMNS[:-2]), "en,es,hi"]]
    defs = build_definitions(small_settings({**env, "SHORTS_REVIEW": "auto"}))
    instance = DagsterInstance.ephemeral()
    with build_sensor_context(instance=instance, resources=defs.resources) as context:
        intake = content_sheet_sensor(context)
    [added] = intake.dynamic_partitions_requests
    instance.add_dynamic_partitions(content_items.name, list(added.partition_keys))
    source = sheets.records("ideas")[0]["item_id"]
    items = {code: f"{source}-{code}" for code in ("en", "es", "hi")}
    assert [r.partition_key for r in intake.run_requests] == list(items.values())
    for request in intake.run_requests:
        run = defs.resolve_job_def(request.job_name).execute_in_process(
            partition_key=request.partition_key, instance=instance, tags=request.tags)
        assert run.success
        idea = next(e.materialization.metadata for e in run.get_asset_materialization_events()
                    if e.asset_key.path == ["idea"])
        code = request.partition_key.rsplit("-", 1)[1]
        assert (idea["source_item"].value, idea["source_row"].value, idea["language"].value) == (source, 1, code)
        assert idea["adapted"].value is (code != "en")
    sync_sheet(defs, instance)

    def record(asset: str, code: str) -> dict:
        return json.loads((tmp_path / "store" / asset / items[code] / "record.json").read_text())["record"]

    def marked(code: str) -> str:
        return "" if code == "en" else f" [{code}]"

    spoken = [call.json()["text"] for call in elevenlabs.calls("POST", "/v1/text-to-speech")]
    assert len(youtube.uploads) == 3
    for code in items:
        script = record("script", code)
        assert (script["hook"], script["title"]) == (f"hook text{marked(code)}", f"title text{marked(code)}")
        assert all(tag.endswith(marked(code).replace(" ", "")) for tag in script["hashtags"])
        assert f"hook text{marked(code)}{full_stop(language(code))}" in spoken  # its own narration, its own stop
        assert record("idea", code)["version"] == {"source_item": source, "source_language": "en",
                                                   "adapt": code != "en"}
        video = record("rendered_video", code)
        assert video["attributes"]["language"] == code
        captions = (tmp_path / "store" / "rendered_video" / items[code] / "captions.ass").read_text()
        burned = re.sub(r"\{[^}]*\}", "", captions)  # the words as shown, without the highlight's tags
        assert all((f"HOOK TEXT {other.upper()}" in burned) is (other == code) for other in ("es", "hi"))
    assert sorted(upload.metadata["snippet"]["title"] for upload in youtube.uploads) == [
        "title text", "title text [es]", "title text [hi]"]
    row = sheets.records("ideas")[0]
    assert row["status"] == "en: published · es: published · hi: published"
    assert [part.split(": ")[0] for part in row["post_url"].split(" · ")] == ["en", "es", "hi"]


def test_a_japanese_row_is_narrated_by_the_multilingual_model_with_a_timing_per_phrase(tmp_path, offline,
                                                                                    monkeypatch):
    """Japanese needs a voice service (espeak-ng spells it out): ElevenLabs speaks it with its
    multilingual model, not the English one configured, and every BudouX phrase is timed."""
    facts = "ミツバチは八の字ダンスで花の場所を仲間に伝えます。 | 巣の中はいつも三十五度に保たれています。"
    write_sheet(tmp_path / "sheet.csv", [{**GOOD_ROW, "topic": "ミツバチ", "facts": facts, "language": "ja",
                                          "item_id": "mitsubachi-1", "status": "queued"}])
    with FakeElevenLabs() as elevenlabs:
        defs = build_definitions(small_settings({
            "SHORTS_HOME": str(tmp_path), "SHORTS_SHEET_CSV": str(tmp_path / "sheet.csv"),
            "SHORTS_VOICE": "elevenlabs", "ELEVENLABS_API_KEY": elevenlabs.api_key,
            "ELEVENLABS_BASE_URL": elevenlabs.url, "SHORTS_ELEVENLABS_MODEL": "eleven_flash_v2",  # English only
        }))
        instance = DagsterInstance.ephemeral()
        instance.add_dynamic_partitions(content_items.name, ["mitsubachi-1"])
        monkeypatch.setenv("ELEVENLABS_API_KEY", elevenlabs.api_key)  # EnvVar secrets are read when a run starts
        produced = defs.resolve_job_def("produce_content").execute_in_process(
            partition_key="mitsubachi-1", instance=instance)
    assert produced.success
    assert {asked["model_id"] for asked in elevenlabs.spoken} == {"eleven_multilingual_v2"}
    record = json.loads((tmp_path / "store" / "narration" / "mitsubachi-1" / "record.json").read_text())["record"]
    script = json.loads((tmp_path / "store" / "script" / "mitsubachi-1" / "record.json").read_text())["record"]
    assert script["hook"] == "ミツバチについて、これ知ってましたか？"
    scenes = [script["hook"], *(beat["narration"] for beat in script["beats"]), script["call_to_action"]]
    ja = language("ja")
    assert [w["word"] for w in record["words"]] == [unit for scene in scenes for unit in units(scene, ja)]
    starts = [w["start"] for w in record["words"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts) > 10
    assert record["voice"] == "21m00Tcm4TlvDq8ikWAM"
