import json

import pytest
from pydantic import ValidationError

from shorts_assets.models import RECORD_TYPES, Idea, MediaFile, Scene, Script


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
