import json

import pytest
from pydantic import ValidationError

from shorts_assets.models import RECORD_TYPES, Idea, MediaFile, Scene, Script, VisualStyle


def test_media_path_never_reaches_json(tmp_path):
    media = MediaFile(name="video.mp4", mime="video/mp4", key="a/b/video.mp4", path=tmp_path / "x.mp4")
    assert "path" not in json.loads(media.model_dump_json())
    assert str(tmp_path) not in media.model_dump_json()


@pytest.mark.parametrize("name", ["../x.mp4", "a/b.mp4", "noext", ".hidden.mp4", "x..y.mp4"])
def test_media_names_are_plain_file_names(name):
    with pytest.raises(ValidationError):
        MediaFile(name=name, mime="video/mp4")


def test_media_local_needs_a_local_copy():
    with pytest.raises(FileNotFoundError, match="no local copy"):
        MediaFile(name="a.wav", mime="audio/wav", key="k/a.wav").local()


def test_script_scenes_are_hook_beats_and_call_to_action():
    script = Script(
        item_id="abc-123", title="T", hook="Hook?", beats=[Scene(narration="One two.", visual="one")],
        call_to_action="Follow.", description="d", writer="byo",
    )
    assert [s.narration for s in script.scenes] == ["Hook?", "One two.", "Follow."]
    assert script.scenes[0].visual.startswith("title card:")
    assert script.word_count == 4
    assert len(script.model_copy(update={"call_to_action": ""}).scenes) == 2


@pytest.mark.parametrize("bad", ["", "ab", "Has-Caps", "a,b", "a/b", "-lead", "trail-", "x" * 65])
def test_item_ids_are_lowercase_dash_keys(bad):
    with pytest.raises(ValidationError):
        Idea(item_id=bad, row=1, topic="t")


def test_records_round_trip_through_json():
    idea = Idea(item_id="bees-1234", row=3, topic="bees", facts=["a", "b"])
    stored = json.loads(idea.model_dump_json())
    assert RECORD_TYPES["Idea"].model_validate(stored) == idea


def test_records_reject_unknown_fields():
    with pytest.raises(ValidationError):
        Idea.model_validate({"item_id": "bees-1234", "row": 1, "topic": "t", "__class__": "os.system"})


def test_a_script_stored_before_styles_and_search_terms_still_loads():
    stored = {"item_id": "abc-123", "title": "T", "hook": "Hook?", "beats": [{"narration": "One.", "visual": "one"}],
              "description": "d", "writer": "byo"}
    script = Script.model_validate(stored)
    assert script.style is None and script.beats[0].search_terms == []


def test_a_style_reads_as_one_prompt_phrase_and_keeps_its_colours_in_lowercase():
    style = VisualStyle(palette=["#1B3A4B", " #f2c14e "], medium="35mm film photography", era="1970s")
    assert style.palette == ["#1b3a4b", "#f2c14e"]
    assert style.line == "35mm film photography, 1970s look, colour palette #1b3a4b, #f2c14e"


@pytest.mark.parametrize("palette, says", [
    (["#1b3a4b"], "at least 2"), (["#000000"] * 6, "at most 5"), (["#1b3a4b", "red"], "'red' is not a #rrggbb"),
    (["#1b3a4b", "#12345g"], "'#12345g' is not a #rrggbb"),
])
def test_a_palette_is_two_to_five_hex_colours(palette, says):
    with pytest.raises(ValidationError, match=says):
        VisualStyle(palette=palette, medium="film", era="1970s")


@pytest.mark.parametrize("term, says", [
    ("", "search term is empty"), ("x" * 41, "over 40 characters"), ("bees http://evil.example", "holds a link"),
    ("www.bees.example", "holds a link"), ("bees\x00hive", "control character"), ("bees\x1b[31m", "control character"),
])
def test_search_terms_are_short_phrases_without_links_or_control_characters(term, says):
    with pytest.raises(ValidationError, match=says):
        Scene(narration="n", visual="v", search_terms=[term])


def test_search_terms_are_kept_on_one_line_in_any_script():
    scene = Scene(narration="n", visual="v", search_terms=["honey \n bees", "ఆక్టోపస్‌కు"])  # a joiner is no control
    assert scene.search_terms == ["honey bees", "ఆక్టోపస్‌కు"]
    with pytest.raises(ValidationError, match="at most 3"):
        Scene(narration="n", visual="v", search_terms=["a", "b", "c", "d"])
