"""Language versions: keys, the languages cell's checks, the offline writer's limit, and the per-version
write-back through the sensors on the CSV sheet and on Google Sheets."""

import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context

from shorts_assets import keys
from shorts_assets.assets.post import published_post
from shorts_assets.assets.video import rendered_video
from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.automation.sheet_sync import sheet_sync
from shorts_assets.demo import finished
from shorts_assets.policy import Policy
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.openai_writer import user_prompt
from shorts_assets.providers.sheets import CsvSheet, SheetRow
from shorts_assets.rows import RowError, idea_from_row
from shorts_assets.store import StoreResource
from shorts_assets.versions import MAX_VERSIONS, ideas_from_row, item_status, key, row_statuses
from shorts_assets_tests.conftest import GOOD_ROW, read_sheet, write_sheet

VERSIONED = {**GOOD_ROW, "languages": "en, es, hi"}
COLUMNS = [*GOOD_ROW, "languages", "script_es", "item_id", "status", "error", "video_path", "post_url"]


def test_each_language_is_its_own_item_keyed_by_the_row_and_the_language():
    ideas = ideas_from_row(VERSIONED, 3, writer_adapts=True)
    source = idea_from_row(GOOD_ROW, 3).item_id  # the id the row has without versions
    assert [idea.item_id for idea in ideas] == [f"{source}-en", f"{source}-es", f"{source}-hi"]
    assert [idea.language for idea in ideas] == ["en", "es", "hi"]
    assert {(idea.row, idea.version.source_item, idea.version.source_language) for idea in ideas} == {(3, source, "en")}
    assert [idea.version.adapt for idea in ideas] == [False, True, True]
    # The same row, reordered, respelled or with a language more, never moves a version to another key.
    again = ideas_from_row({**GOOD_ROW, "languages": "HI;es  EN,pt"}, 9, writer_adapts=True)
    assert {idea.item_id for idea in again} == {*(idea.item_id for idea in ideas), f"{source}-pt"}
    assert key(source, "pt-BR".lower()) == key(source, "pt") == f"{source}-pt"


def test_a_version_speaks_its_language_unless_the_row_names_a_voice_for_every_language():
    espeak = ideas_from_row({**VERSIONED, "voice": "en-gb"}, 1, writer_adapts=True)
    assert [idea.voice for idea in espeak] == ["en-gb", "es", "hi"]
    service = ideas_from_row({**VERSIONED, "voice": "21m00Tcm4TlvDq8ikWAM"}, 1, writer_adapts=True)
    assert {idea.voice for idea in service} == {"21m00Tcm4TlvDq8ikWAM"}  # an ElevenLabs voice speaks them all


@pytest.mark.parametrize(("cell", "reason"), [
    ("en, klingon", "languages: 'klingon' is not a language code"),
    ("en, xx", "languages: language 'xx' is not one the factory can caption and voice; use one of"),
    ("es-!!", "languages: 'es-!!' is not a language code"),
    (",".join(["en", "es", "hi", "ar", "de", "fr", "it", "ja", "ko"]),
     f"languages lists 9 languages; a row makes at most {MAX_VERSIONS} versions: split them over two rows"),
])
def test_a_bad_languages_cell_is_rejected_with_what_to_write(cell, reason):
    with pytest.raises(RowError, match="^" + reason.replace("(", r"\(").replace(")", r"\)")):
        ideas_from_row({**GOOD_ROW, "languages": cell}, 1, writer_adapts=True)


def test_a_user_item_id_too_long_for_its_versions_says_how_long_it_may_be():
    with pytest.raises(RowError, match="too long for its language versions .* at most 56 characters"):
        ideas_from_row({**VERSIONED, "languages": "zh-hant", "item_id": "a" * 60}, 1, writer_adapts=True)


def test_the_offline_writer_takes_versions_only_with_their_own_scripts():
    with pytest.raises(RowError, match="^the Spanish version needs a writer service to adapt the row into Spanish: "
                                       "set SHORTS_WRITER=openai, or give the Spanish script in a script_es column"):
        ideas_from_row(VERSIONED, 1)
    own = {**GOOD_ROW, "languages": "en,es",
           "script_es": "¿Sabías que las abejas bailan? Así se cuentan dónde hay flores."}
    en, es = ideas_from_row(own, 1)
    assert en.script == "" and en.facts and not en.version.adapt
    assert es.script == own["script_es"] and es.language == "es" and not es.version.adapt


def test_the_openai_writer_is_asked_to_adapt_not_to_translate():
    en, hi = ideas_from_row({**GOOD_ROW, "script": "Bees dance. They tell where flowers are.", "languages": "en,hi"},
                            1, writer_adapts=True)
    prompt = user_prompt(hi, "")
    assert "written in English ('en'); this is the Hindi version" in prompt and "not its wording" in prompt
    assert "rather than translating word for word" in prompt and "hashtags written in Hindi" in prompt
    assert "Version:" not in user_prompt(en, "") and "keep its wording" in user_prompt(en, "")


# -- through the sensors ---------------------------------------------------------------------------------


def intake(instance, sheet, writer_adapts=True) -> SensorResult:
    with build_sensor_context(instance=instance, resources={
            "sheet": sheet, "voice": EspeakVoice(),
            "policy": Policy(review_required=True, writer_adapts=writer_adapts)}) as context:
        result = content_sheet_sensor(context)
    for request in getattr(result, "dynamic_partitions_requests", []):
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def sync(instance, sheet, store):
    with build_sensor_context(instance=instance, resources={
            "sheet": sheet, "store": store, "policy": Policy(review_required=True)}) as context:
        return sheet_sync(context).run_requests


def test_versions_are_queued_together_and_written_back_as_parts_of_their_row(sheet_path, tmp_path):
    """One row, three items; the row's cells say where each one is, and act on one or all of them."""
    write_sheet(sheet_path, [VERSIONED, {**GOOD_ROW, "topic": "wasps", "languages": "en,es"}], COLUMNS)
    sheet = CsvSheet(path=str(sheet_path))
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path / "cache"))
    with DagsterInstance.ephemeral() as instance:
        offline = intake(instance, sheet, writer_adapts=False)
        assert offline.run_requests == []
        assert read_sheet(sheet_path)[0]["status"].startswith("rejected: the Spanish version needs a writer service")
        write_sheet(sheet_path, [VERSIONED], COLUMNS)
        result = intake(instance, sheet)
        source = idea_from_row(GOOD_ROW, 1).item_id
        items = [f"{source}-{code}" for code in ("en", "es", "hi")]
        assert [r.partition_key for r in result.run_requests] == items
        assert {r.tags["shorts/row"] for r in result.run_requests} == {"1"}
        [row] = read_sheet(sheet_path)
        assert (row["item_id"], row["status"]) == (source, "en: queued · es: queued · hi: queued")

        opened = store.open()
        for item in items[:2]:  # two videos rendered; the Hindi one failed before its run was seen
            opened.put_json(keys.record(rendered_video.key, item), {"record": {"video": {"key": f"v/{item}.mp4"}}})
        sheet.update_rows({1: {"status": "en: awaiting review · es: awaiting review · hi: failed",
                               "error": "hi: narration: espeak-ng has no voice"}})
        sync(instance, sheet, store)
        [row] = read_sheet(sheet_path)
        assert row["status"] == "en: awaiting review · es: awaiting review · hi: failed"
        assert row["video_path"] == f"en: {opened.uri(f'v/{items[0]}.mp4')} · es: {opened.uri(f'v/{items[1]}.mp4')}"
        assert row["error"] == "hi: narration: espeak-ng has no voice"

        sheet.update_rows({1: {"status": "en: awaiting review · es: approved · hi: failed"}})  # one version
        rows = sheet.rows()
        assert [item_status(rows, item) for item in items] == ["awaiting review", "approved", "failed"]
        requests = sync(instance, sheet, store)
        assert [(r.job_name, r.partition_key) for r in requests] == [("publish_content", items[1])]
        [row] = read_sheet(sheet_path)
        assert row["status"] == "en: awaiting review · es: publishing · hi: failed"

        sheet.update_rows({1: {"status": "Approved"}})  # all of them: the ones with a video get published
        requests = sync(instance, sheet, store)
        assert [r.partition_key for r in requests] == [items[0], items[1]]
        opened.put_json(keys.record(published_post.key, items[1]), {"record": {"posts": [{"url": "https://yt/es"}]}})
        [row] = read_sheet(sheet_path)
        assert row["status"] == "en: publishing · es: publishing · hi: approved"
        assert item_status(sheet.rows(), items[2]) == "approved"
        assert item_status(sheet.rows(), f"{source}-de") is None


def test_make_demo_waits_for_every_version_of_a_row():
    """The demo stops when no row has anything left to make: a versions row is done when each part is."""
    row = SheetRow(1, {**GOOD_ROW, "languages": "en,es", "status": "en: published · es: producing"})
    assert row_statuses(row) == ["published", "producing"]
    assert row_statuses(SheetRow(2, {**GOOD_ROW, "status": "queued"})) == ["queued"]
    assert row_statuses(SheetRow(3, {**GOOD_ROW, "languages": "en,xx", "status": "rejected: languages"})) == [
        "rejected: languages"]


def test_the_demo_is_finished_only_when_every_version_is(tmp_path):
    row = {**GOOD_ROW, "languages": "en,es"}
    path = write_sheet(tmp_path / "sheet.csv", [{**row, "status": "en: published · es: producing"}], COLUMNS)
    assert not finished(CsvSheet(path=str(path)))
    write_sheet(path, [{**row, "status": "en: published · es: published"}], COLUMNS)
    assert finished(CsvSheet(path=str(path)))
