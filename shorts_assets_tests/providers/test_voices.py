"""The offline voice: espeak-ng from the espeakng-loader wheel, with word timings."""

from __future__ import annotations

import threading
import wave
from itertools import pairwise

import pytest
from dagster import DagsterInstance, Failure, build_asset_context

from shorts_assets.assets.narration import narrate, too_long
from shorts_assets.languages import language
from shorts_assets.models import Idea, Scene, Script
from shorts_assets.policy import Policy
from shorts_assets.providers import PermanentError
from shorts_assets.providers import espeak_voice as voices
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.voices import Speech, Voice
from shorts_assets.store import StoreResource
from shorts_assets.text_rules import units

SCENES = [
    "Octopuses have three hearts.",
    "two pump blood to the gills, one pumps it to the body",  # lower case: still a new sentence
    "Order a café naïve über fresh drink now!",
]


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Speech:
    out = tmp_path_factory.mktemp("voice") / "narration.wav"
    return EspeakVoice().speak(SCENES, "en-us", out)


def test_is_a_voice():
    assert isinstance(EspeakVoice(), Voice)


def test_wav_is_valid_and_as_long_as_declared(speech):
    assert speech.path.is_file()
    with wave.open(str(speech.path)) as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert wav.getframerate() == speech.sample_rate == 22050
        assert wav.getnframes() / wav.getframerate() == pytest.approx(speech.duration_s, abs=1e-6)
        frames = wav.readframes(wav.getnframes())
    assert 4 < speech.duration_s < 15
    assert any(frames[i] for i in range(0, len(frames), 101)), "the narration is silent"
    assert not list(speech.path.parent.glob(".*.partial"))


def test_one_timing_per_word_in_order_with_its_scene(speech):
    expected = [(word, i) for i, scene in enumerate(SCENES) for word in scene.split()]
    assert [(w.word, w.scene) for w in speech.words] == expected
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for word in speech.words:
        assert 0 <= word.start < word.end <= speech.duration_s + 1e-3, word
    for word, following in pairwise(speech.words):
        assert word.end <= following.start + 1e-9


def test_scene_ends_are_trimmed_to_the_sound_before_the_pause(speech):
    for word, following in pairwise(speech.words):
        if following.scene != word.scene:
            assert following.start - word.end > 0.1, (word, following)
    last = speech.words[-1]
    assert speech.duration_s - last.end < 0.5


def test_non_ascii_words_keep_their_own_timings(speech):
    # text_position counts characters, not UTF-8 bytes: a byte-based mapping would shift
    # every word after "café" onto the wrong token and merge or drop words.
    words = [w.word for w in speech.words if w.scene == 2]
    assert words == ["Order", "a", "café", "naïve", "über", "fresh", "drink", "now!"]
    timed = {w.word: w for w in speech.words}
    assert timed["café"].start < timed["naïve"].start < timed["über"].start < timed["fresh"].start
    assert timed["naïve"].end - timed["naïve"].start > 0.15  # a real spoken word, not a sliver


def test_other_voices_and_unspoken_tokens(tmp_path):
    scenes = ["Straße über Äpfel", "wait — what"]
    speech = EspeakVoice(rate_wpm=200).speak(scenes, "de", tmp_path / "de.wav")
    assert [w.word for w in speech.words] == ["Straße", "über", "Äpfel", "wait —", "what"]
    assert [w.scene for w in speech.words] == [0, 0, 0, 1, 1]


def test_unknown_voice_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no voice 'xx-nope'"):
        EspeakVoice().speak(["Hello there."], "xx-nope", tmp_path / "x.wav")
    with pytest.raises(ValueError, match="voice name"):
        EspeakVoice().speak(["Hello there."], "en us; rm", tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("scenes", [[], [""], ["Hello.", "   "], ["..."]])
def test_empty_text_is_a_clear_error(tmp_path, scenes):
    with pytest.raises(ValueError, match="nothing"):
        EspeakVoice().speak(scenes, "en-us", tmp_path / "x.wav")


def test_bad_settings_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="rate_wpm"):
        EspeakVoice(rate_wpm=10).speak(["Hi."], "en", tmp_path / "x.wav")
    with pytest.raises(ValueError, match="pitch"):
        EspeakVoice(pitch=300).speak(["Hi."], "en", tmp_path / "x.wav")


def test_threads_take_turns(tmp_path):
    results: dict[int, Speech] = {}

    def speak(i: int) -> None:
        scenes = [f"Thread number {i} speaks.", "done"]
        results[i] = EspeakVoice().speak(scenes, "en", tmp_path / f"{i}.wav")

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, speech in results.items():
        assert [w.word for w in speech.words] == ["Thread", "number", str(i), "speaks.", "done"]
    assert len(results) == 3


def _marks(*events: tuple[int, int, int]) -> list[voices._Mark]:
    return [voices._Mark(kind, position, ms) for kind, position, ms in events]


def test_events_between_words_go_to_the_word_that_has_none():
    # "😀" is spoken as two words: espeak reports the second on the space after the emoji,
    # while "test" has its own event.
    text, tokens = voices.spoken_text(["emoji 😀 test"])
    assert text == "emoji 😀 test."
    marks = _marks((1, 0, 0), (1, 6, 300), (1, 7, 600), (1, 8, 900), (5, 13, 1200))
    words = voices._timings(tokens, marks, voices.array("h", [1000] * 26460), 22050)
    assert [(w.word, w.start) for w in words] == [("emoji", 0.0), ("😀", 0.3), ("test", 0.9)]

    # After a period that does not end a sentence espeak reports the next word on the space.
    text, tokens = voices.spoken_text(["one e.g. two"])
    marks = _marks((1, 0, 0), (1, 4, 300), (1, 8, 600), (5, 12, 900))
    words = voices._timings(tokens, marks, voices.array("h", [1000] * 22050), 22050)
    assert [(w.word, w.start) for w in words] == [("one", 0.0), ("e.g.", 0.3), ("two", 0.6)]


# --------------------------------------------------------------------------------------------
# The row's language


def test_an_empty_voice_is_the_languages_and_a_named_one_is_kept():
    voice = EspeakVoice()
    assert voice.voice_for("", language("es")) == "es"
    assert voice.voice_for("", language("pt-br")) == "pt-br"
    assert voice.voice_for("", language("zh-tw")) == "cmn"
    assert voice.voice_for("EN-GB", language("es")) == "en"  # the row asked for it


@pytest.mark.parametrize("row_voice", ["", "ja", "en-us"])
def test_a_language_espeak_cannot_read_names_the_service_to_select(row_voice, tmp_path):
    with pytest.raises(PermanentError) as raised:
        EspeakVoice().voice_for(row_voice, language("ja"))
    message = str(raised.value)
    assert "Japanese" in message and "SHORTS_VOICE=elevenlabs" in message and "ELEVENLABS_API_KEY" in message
    with pytest.raises(PermanentError, match="cannot speak Japanese"):
        EspeakVoice().speak(["ミツバチは花の蜜を集めます"], row_voice, tmp_path / "ja.wav", language("ja"))
    assert not (tmp_path / "ja.wav").exists()


def test_spanish_is_spoken_by_the_spanish_voice(tmp_path):
    speech = EspeakVoice().speak(["Las abejas bailan.", "Una colmena"], "", tmp_path / "es.wav", language("es"))
    assert [w.word for w in speech.words] == ["Las", "abejas", "bailan.", "Una", "colmena"]


@pytest.mark.parametrize(("code", "scene"), [
    ("th", "ผึ้งเต้นรำเพื่อบอกทาง ดอกไม้อยู่ไกล"),
    ("zh", "蜜蜂用舞蹈告诉同伴花在哪里"),
])
def test_unspaced_scripts_are_timed_by_units_and_read_back_as_written(code, scene, tmp_path):
    spoken_in = language(code)
    speech = EspeakVoice().speak([scene], "", tmp_path / "n.wav", spoken_in)
    assert len(speech.words) >= 3
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts) and speech.words[-1].end <= speech.duration_s
    # Units espeak reads as one word share its timing, written together: nothing is lost or spaced.
    assert "".join(w.word for w in speech.words) == "".join(scene.split())
    assert {w.word for w in speech.words} <= {"".join(run) for run in _runs_of(units(scene, spoken_in))}


def _runs_of(items: list[str]) -> list[list[str]]:
    return [items[i:j] for i in range(len(items)) for j in range(i + 1, len(items) + 1)]


def test_units_sharing_one_word_event_share_its_timing():
    thai = language("th")
    text, tokens = voices.spoken_text(["ผึ้งเต้นรำ ดอกไม้"], thai)
    assert text == "ผึ้งเต้นรำ ดอกไม้" and [t.word for t in tokens] == ["ผึ้ง", "เต้น", "รำ", "ดอก", "ไม้"]
    marks = _marks((1, 0, 0), (1, 11, 500), (5, 17, 900))  # espeak heard "ผึ้งเต้นรำ" and "ดอกไม้" as words
    words = voices._timings(tokens, marks, voices.array("h", [1000] * 22050), 22050, thai)
    assert [(w.word, w.start) for w in words] == [("ผึ้งเต้นรำ", 0.0), ("ดอกไม้", 0.5)]


def test_spoken_text_keeps_unspaced_units_together_and_ends_scenes_in_the_scripts_own_stop():
    text, tokens = voices.spoken_text(["ミツバチは花の蜜を集めます", "ハチは 踊ります、"], language("ja"))
    assert text == "ミツバチは花の蜜を集めます。\nハチは 踊ります。"
    assert [t.word for t in tokens][:3] == ["ミツバチは", "花の", "蜜を"]
    assert all(text[t.start_char:t.end_char] == t.word for t in tokens[:3])
    assert tokens[-1].word == "踊ります、" and [t.scene for t in tokens][-2:] == [1, 1]


def test_the_narration_step_fails_for_good_with_the_same_message(tmp_path):
    idea = Idea(item_id="mitsubachi-test", row=1, topic="ミツバチ", language="ja")
    script = Script(item_id=idea.item_id, title="ミツバチ", hook="ミツバチは踊ります。",
                    beats=[Scene(narration="花の場所を伝えます。", visual="bees")], description="", writer="test")
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path / "cache"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("content_item", [idea.item_id])
    with build_asset_context(partition_key=idea.item_id, instance=instance) as context, \
            pytest.raises(Failure) as failed:
        narrate(context, idea, script, EspeakVoice(), store, Policy(review_required=False))
    assert failed.value.description == voices.cannot_speak(language("ja")) and not failed.value.allow_retries


def test_a_narration_too_long_for_its_words_blames_the_voice_not_the_script():
    spelled = too_long(76.1, ["ミツバチは花の蜜を集めます。" * 3], language("ja"), "ja")
    assert "over twice as long as 12 words take to say" in spelled and "not reading Japanese" in spelled
    assert "SHORTS_VOICE=elevenlabs" in spelled and "shorten" not in spelled
    wordy = too_long(62.0, [" ".join(["word"] * 150)], language("en"), "en-us")
    assert wordy == "the narration lasts 62.0 s; a short is at most 60 s: shorten the script or the facts"
