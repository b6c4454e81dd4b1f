from shorts_assets.models import HookStyle
from shorts_assets.providers.writers import BringYourOwnWriter, visual_cue
from shorts_assets.rows import idea_from_row
from shorts_assets_tests.conftest import GOOD_ROW


def test_facts_become_hook_beats_and_call_to_action():
    script = BringYourOwnWriter().write(idea_from_row(GOOD_ROW, 1))
    assert script.hook == "Did you know this about honeybees?"
    assert [b.narration for b in script.beats] == [
        "Bees dance to tell each other where flowers are.", "A hive keeps its brood at 35 degrees."]
    assert script.call_to_action == "Follow for more about honeybees."
    assert all(b.visual for b in script.beats)
    assert "#shorts" in script.hashtags and "#nature" in script.hashtags
    assert script.writer == "byo" and script.title == "Honeybees"


def test_facts_are_fitted_to_the_target_length():
    facts = " | ".join(f"Fact number {i} has exactly seven words." for i in range(12))
    idea = idea_from_row({**GOOD_ROW, "facts": facts, "target_seconds": "20"}, 1)
    script = BringYourOwnWriter().write(idea)
    assert 1 <= len(script.beats) < 12
    assert script.word_count <= 20 * 2.6 + 6


def test_each_hook_style_has_its_own_hook():
    hooks = {BringYourOwnWriter().write(idea_from_row({**GOOD_ROW, "hook_style": s.value}, 1)).hook
             for s in HookStyle}
    assert len(hooks) == len(HookStyle)


def test_own_script_is_read_as_written():
    text = "Why is it so? Because of this. And also that. Finally the end."
    script = BringYourOwnWriter().write(idea_from_row({**GOOD_ROW, "facts": "", "script": text}, 1))
    assert " ".join(s.narration for s in script.scenes) == text
    assert script.call_to_action == ""


def test_visual_cue_keeps_the_telling_words():
    assert visual_cue("The octopus has three hearts and blue blood") == "octopus hearts three"
