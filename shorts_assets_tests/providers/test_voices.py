"""The offline voice: espeak-ng from the espeakng-loader wheel, with word timings."""

from __future__ import annotations

import threading
import wave
from itertools import pairwise

import pytest

from shorts_assets.providers import espeak_voice as voices
from shorts_assets.providers.espeak_voice import EspeakVoice
from shorts_assets.providers.voices import Speech, Voice

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
