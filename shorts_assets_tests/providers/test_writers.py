import pytest

from shorts_assets.languages import LANGUAGES, language
from shorts_assets.models import HookStyle
from shorts_assets.providers.phrases import PHRASES
from shorts_assets.providers.writers import (
    BringYourOwnWriter,
    hashtags,
    joined,
    search_terms,
    sentences,
    visual_cue,
)
from shorts_assets.rows import idea_from_row
from shorts_assets.visual_styles import STYLES, style_for
from shorts_assets_tests.conftest import GOOD_ROW
from shorts_assets_tests.media.test_scripts import SAMPLES


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


def test_search_terms_pair_the_topic_with_the_beats_telling_words_then_the_topic_alone():
    assert search_terms("A colony can have 60,000 workers.", "honeybees") == [
        "honeybees workers", "honeybees colony", "honeybees"]
    # a word the topic already holds ("octopus" in "octopuses") adds nothing
    assert search_terms("The octopus has three hearts and blue blood", "Why octopuses have three hearts") == [
        "octopuses three hearts blood", "octopuses three hearts blue", "octopuses three hearts"]
    assert search_terms("!!! 42", "???") == []


def test_the_style_comes_from_the_topic_alone_and_topics_spread_over_the_table():
    script = BringYourOwnWriter().write(idea_from_row(GOOD_ROW, 1))
    assert script.style == style_for("honeybees") == style_for("  HoneyBees ")
    topics = ["honeybees", "octopuses", "volcanoes", "the moon", "bread", "chess", "rust", "whales", "glass"]
    assert len({style_for(topic).medium for topic in topics}) >= 4
    assert all(2 <= len(style.palette) <= 5 for style in STYLES)


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_gets_a_style_and_search_terms_in_its_own_words(code):
    """Each language with a sample of its script (test_scripts.SAMPLES) as its facts and topic."""
    spoken_in = language(code)
    sample = next(text for sample_code, text in sorted(SAMPLES.items())
                  if language(sample_code).script == spoken_in.script)
    idea = idea_from_row({**GOOD_ROW, "topic": sample.split()[0], "language": code,
                          "facts": f"{sample} | {sample}"}, 1)
    script = BringYourOwnWriter().write(idea)
    assert script.style in STYLES
    assert script.beats and all(beat.search_terms for beat in script.beats)
    words = [word for beat in script.beats for term in beat.search_terms for word in term.split()]
    assert all(word in sample.lower() for word in words)  # the row's own words, none made up


# --------------------------------------------------------------------------------------------
# The row's language

SPANISH = {**GOOD_ROW, "topic": "los pulpos", "language": "es",
           "facts": "Los pulpos tienen tres corazones. | Su sangre es azul."}


def test_a_spanish_row_gets_a_spanish_hook_and_call_to_action():
    script = BringYourOwnWriter().write(idea_from_row(SPANISH, 1))
    assert script.hook == "¿Sabías esto sobre los pulpos?"
    assert script.call_to_action == "Síguenos para saber más sobre los pulpos."
    assert [b.narration for b in script.beats] == ["Los pulpos tienen tres corazones.", "Su sangre es azul."]
    assert script.title == "Los pulpos" and "#pulpos" in script.hashtags


@pytest.mark.parametrize("code", sorted(PHRASES))
def test_every_language_with_phrases_fills_every_hook_style_in_its_own_words(code):
    english = {s: PHRASES["en"].hook(s) for s in HookStyle} | {"cta": PHRASES["en"].call_to_action}
    for style in HookStyle:
        idea = idea_from_row({**GOOD_ROW, "topic": "TOPIC", "language": code, "hook_style": style.value}, 1)
        script = BringYourOwnWriter().write(idea)
        assert "TOPIC" in script.hook and "{" not in script.hook + script.call_to_action
        if code != "en":
            assert PHRASES[code].hook(style) != english[style]
            assert not {"Follow", "facts", "story", "about"} & set(script.hook.split() + script.call_to_action.split())


def test_at_least_twelve_major_languages_have_phrases():
    major = {"en", "es", "pt", "fr", "de", "hi", "ar", "id", "ja", "ru", "ko", "vi", "tr", "bn", "th", "zh"}
    assert major <= set(PHRASES) and set(PHRASES) <= set(LANGUAGES)


def test_turkish_capitals_keep_the_dotted_i():
    idea = idea_from_row({**GOOD_ROW, "topic": "istanbul", "language": "tr", "hook_style": "bold-claim"}, 1)
    assert BringYourOwnWriter().write(idea).hook.startswith("İstanbul:")


def test_a_language_without_phrases_gets_the_facts_alone_never_english():
    idea = idea_from_row({**GOOD_ROW, "topic": "ფუტკარი", "language": "ka",
                          "facts": "ფუტკრები ცეკვავენ. | სკა თბილია."}, 1)
    script = BringYourOwnWriter().write(idea)
    assert (script.hook, [b.narration for b in script.beats]) == ("ფუტკრები ცეკვავენ.", ["სკა თბილია."])
    assert script.call_to_action == "" and len(script.scenes) == 2
    lone = BringYourOwnWriter().write(idea_from_row({**GOOD_ROW, "topic": "ფუტკარი", "language": "ka",
                                                     "facts": "ფუტკრები ცეკვავენ"}, 1))
    assert (lone.hook, [b.narration for b in lone.beats]) == ("ფუტკარი.", ["ფუტკრები ცეკვავენ."])


@pytest.mark.parametrize(("code", "text", "expected"), [
    ("ja", "ミツバチは踊ります。花の場所を伝えます！本当？",
     ["ミツバチは踊ります。", "花の場所を伝えます！", "本当？"]),
    ("zh", "蜜蜂会跳舞。它们告诉同伴花在哪里？", ["蜜蜂会跳舞。", "它们告诉同伴花在哪里？"]),
    ("hi", "मधुमक्खियाँ नाचती हैं। छत्ता गर्म रहता है।", ["मधुमक्खियाँ नाचती हैं।", "छत्ता गर्म रहता है।"]),
    ("ar", "هل تعرف؟ النحل يرقص.", ["هل تعرف؟", "النحل يرقص."]),
    ("th", "ผึ้งเต้นรำ ดอกไม้อยู่ไกล", ["ผึ้งเต้นรำ", "ดอกไม้อยู่ไกล"]),
])
def test_own_scripts_are_split_at_each_scripts_sentence_ends(code, text, expected):
    assert sentences(text, language(code)) == expected
    script = BringYourOwnWriter().write(idea_from_row({**GOOD_ROW, "facts": "", "script": text, "language": code}, 1))
    assert script.hook == expected[0] and script.beats[0].narration.startswith(expected[1])
    assert joined([s.narration for s in script.scenes]) == text  # read as written, spaces and all


def test_japanese_facts_are_closed_with_the_japanese_full_stop_and_fitted_in_phrases():
    idea = idea_from_row({**GOOD_ROW, "topic": "ミツバチ", "language": "ja", "target_seconds": "10",
                          "facts": " | ".join(["ミツバチは八の字ダンスで花の場所を仲間に伝えます"] * 6)}, 1)
    script = BringYourOwnWriter().write(idea)
    assert script.hook == "ミツバチについて、これ知ってましたか？"
    assert script.beats[0].narration.endswith("伝えます。") and 1 <= len(script.beats) < 6


def test_hashtags_and_visual_cues_keep_every_scripts_letters():
    hindi = idea_from_row({**GOOD_ROW, "topic": "मधुमक्खी का छत्ता", "language": "hi"}, 1)
    assert hashtags(hindi) == ["#shorts", "#nature", "#मधुमक्खी", "#का", "#छत्ता"]
    japanese = idea_from_row({**GOOD_ROW, "topic": "八の字ダンス", "language": "ja"}, 1)
    assert hashtags(japanese) == ["#shorts", "#nature", "#八の字ダンス"]
    assert hashtags(idea_from_row({**GOOD_ROW, "topic": "honey-bees' dance"}, 1))[2:] == ["#honey", "#bees", "#dance"]
    assert visual_cue("मधुमक्खियाँ नाचकर फूलों का रास्ता बताती हैं", language("hi")) == "मधुमक्खियाँ रास्ता नाचकर"
    assert visual_cue("ミツバチは八の字ダンスで花の場所を伝えます", language("ja")).split()[0] == "ミツバチは"
