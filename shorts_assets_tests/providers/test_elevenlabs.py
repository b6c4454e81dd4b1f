"""ElevenLabs narration through the real `elevenlabs` SDK, against a local fake of the API."""

from __future__ import annotations

import time
import wave
from types import SimpleNamespace

import pytest
from dagster import DagsterInstance, build_asset_context
from elevenlabs.core import http_client

from shorts_assets.assets.narration import cached_speech, narrate
from shorts_assets.languages import language
from shorts_assets.models import Idea, Scene, Script
from shorts_assets.policy import Policy
from shorts_assets.providers import PermanentError, TransientError
from shorts_assets.providers.elevenlabs_voice import ElevenLabsVoice
from shorts_assets.providers.voices import Voice
from shorts_assets.store import StoreResource
from shorts_assets.text_rules import units
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs, error

KEY = "sk_test_0123456789abcdef"
ROW_VOICE = "pNInz6obpgDQGcFmaJgB"
SCENES = ["Bees dance to share maps", "A hive keeps its brood at 35 degrees.", "Follow for more"]
TTS = "/v1/text-to-speech/"


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The SDK's retry sleeps, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(http_client, "time", SimpleNamespace(sleep=slept.append, time=time.time))
    return slept


@pytest.fixture
def fake():
    with FakeElevenLabs(api_key=KEY) as server:
        yield server


def make_voice(fake, **fields) -> ElevenLabsVoice:
    return ElevenLabsVoice(api_key=fields.pop("api_key", KEY), base_url=fake.url, **fields)


def test_is_a_voice(fake):
    assert isinstance(make_voice(fake), Voice)


def test_speaks_all_scenes_in_one_request_with_word_timings(fake, tmp_path, sleeps):
    voice = make_voice(fake, stability=0.4, speed=1.1)
    speech = voice.speak(SCENES, ROW_VOICE, tmp_path / "narration.wav")

    [request] = fake.calls("POST", TTS)
    assert request.path == f"{TTS}{ROW_VOICE}/with-timestamps"
    assert request.headers["xi-api-key"] == KEY
    assert request.query["output_format"] == ["mp3_44100_128"]
    body = request.json()
    text = "Bees dance to share maps.\nA hive keeps its brood at 35 degrees.\nFollow for more."
    assert body["text"] == text
    assert body["model_id"] == "eleven_multilingual_v2"
    assert body["voice_settings"] == {"stability": 0.4, "similarity_boost": 0.75, "style": 0.0, "speed": 1.1}

    with wave.open(str(speech.path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 44100)
        assert wav.getnframes() / wav.getframerate() == pytest.approx(speech.duration_s, abs=1e-6)
    assert speech.sample_rate == 44100
    assert speech.duration_s == pytest.approx(len(text) * 0.06, abs=0.1)  # the fake's 0.06 s a character

    expected = [(word, i) for i, scene in enumerate(SCENES) for word in scene.split()]
    assert [(w.word, w.scene) for w in speech.words] == expected
    first, last = speech.words[0], speech.words[-1]
    assert (first.start, first.end) == (0.0, pytest.approx(4 * 0.06))  # "Bees"
    hive = text.index("hive")
    assert speech.words[6].word == "hive"
    hive_word = speech.words[6]
    assert (hive_word.start, hive_word.end) == (pytest.approx(hive * 0.06), pytest.approx((hive + 4) * 0.06))
    assert last.end <= speech.duration_s

    assert speech.cost.service == "elevenlabs"
    assert speech.cost.units == {"characters": len(text)}  # from the character-cost header
    assert speech.cost.usd == pytest.approx(len(text) / 1000 * 0.10)
    assert not sleeps
    assert not list(tmp_path.glob(".*"))  # no partial or downloaded files left behind


def test_a_row_voice_that_is_no_voice_id_uses_the_default(fake, tmp_path):
    make_voice(fake, default_voice_id="AZnzlk1XvdvUeBnXmlld").speak(["Hello there"], "en-us", tmp_path / "a.wav")
    assert fake.calls("POST", TTS)[0].path == f"{TTS}AZnzlk1XvdvUeBnXmlld/with-timestamps"


def test_pcm_output_is_converted_too(fake, tmp_path):
    speech = make_voice(fake, output_format="pcm_22050").speak(["Hello there"], "", tmp_path / "a.wav")
    assert speech.sample_rate == 44100
    assert speech.duration_s == pytest.approx(len("Hello there.") * 0.06, abs=0.01)


def test_cache_key_is_stable_and_changes_with_what_changes_the_audio(fake):
    voice = make_voice(fake)
    key = voice.cache_key(SCENES, "en-us")
    assert key == make_voice(fake).cache_key(list(SCENES), "en-us") and len(key) == 64
    assert key == voice.cache_key(SCENES, "")  # both mean the default voice
    assert KEY not in key
    changed = {
        voice.cache_key([*SCENES[:2], "Follow for more!"], "en-us"),
        voice.cache_key(SCENES, ROW_VOICE),
        make_voice(fake, stability=0.3).cache_key(SCENES, "en-us"),
        make_voice(fake, model_id="eleven_flash_v2_5").cache_key(SCENES, "en-us"),
        make_voice(fake, output_format="pcm_44100").cache_key(SCENES, "en-us"),
    }
    assert key not in changed and len(changed) == 5


def test_a_server_error_is_retried_by_the_sdk(fake, tmp_path, sleeps):
    fake.fail_next(Response(500, {"detail": {"status": "internal_error", "message": "oops"}}), TTS)
    speech = make_voice(fake).speak(SCENES, ROW_VOICE, tmp_path / "narration.wav")
    assert len(fake.calls("POST", TTS)) == 2 and len(sleeps) == 1
    assert speech.words


def test_busy_after_the_sdk_retries_is_transient_with_retry_after(fake, tmp_path, sleeps):
    busy = error(429, "too_many_concurrent_requests", "Too many concurrent requests.", {"Retry-After": "7"})
    fake.fail_next(busy, TTS, times=2)
    with pytest.raises(TransientError) as raised:
        make_voice(fake).speak(SCENES, ROW_VOICE, tmp_path / "narration.wav")
    assert raised.value.retry_after == 7
    assert "too_many_concurrent_requests" in str(raised.value)
    assert sleeps == [7]  # the SDK honoured Retry-After once, then we handed over to Dagster
    assert len(fake.calls("POST", TTS)) == 2


def test_a_dropped_connection_is_transient(fake, tmp_path):
    fake.fail_next(Response(drop=True), TTS)
    with pytest.raises(TransientError, match="could not reach ElevenLabs"):
        make_voice(fake, max_retries=0).speak(SCENES, ROW_VOICE, tmp_path / "narration.wav")


def test_a_bad_key_is_permanent_and_names_the_variable_not_the_key(fake, tmp_path):
    wrong = "sk_wrong_key_that_must_not_leak"
    with pytest.raises(PermanentError) as raised:
        make_voice(fake, api_key=wrong).speak(SCENES, ROW_VOICE, tmp_path / "narration.wav")
    assert "ELEVENLABS_API_KEY" in str(raised.value)
    assert wrong not in str(raised.value) and KEY not in str(raised.value)
    assert fake.calls("POST", TTS)[0].headers["xi-api-key"] == wrong


def test_quota_exceeded_is_permanent_even_though_it_comes_as_401(fake, tmp_path, sleeps):
    fake.fail_next(error(401, "quota_exceeded", "This request exceeds your quota of 10000. You have 3 credits"
                                                " remaining, while 91 credits are required for this request."), TTS)
    with pytest.raises(PermanentError, match="out of credits") as raised:
        make_voice(fake).speak(SCENES, ROW_VOICE, tmp_path / "narration.wav")
    assert "ELEVENLABS_API_KEY" not in str(raised.value)
    assert len(fake.calls("POST", TTS)) == 1 and not sleeps


def test_a_refused_request_is_permanent(fake, tmp_path):
    fake.fail_next(Response(422, {"detail": [{"loc": ["body", "voice_settings"], "msg": "speed too high"}]}), TTS)
    with pytest.raises(PermanentError, match="speed too high"):
        make_voice(fake).speak(SCENES, ROW_VOICE, tmp_path / "narration.wav")


def test_the_narration_asset_pays_once_per_scene_text(fake, tmp_path):
    """Scenes are spoken one by one and kept under cache/voice/<key>/: rematerializing pays
    nothing, and a script with one scene edited pays for that scene alone."""
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path / "cache"))
    voice = make_voice(fake)
    idea = Idea(item_id="bees-test", row=1, topic="honeybees")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("content_item", ["bees-test"])

    def materialize(scenes):
        script = Script(item_id="bees-test", title="Bees", hook=scenes[0], call_to_action=scenes[2],
                        beats=[Scene(narration=scenes[1], visual="bees")], description="bees", writer="test")
        with build_asset_context(partition_key="bees-test", instance=instance) as context:
            return narrate(context, idea, script, voice, store, Policy(review_required=False))

    first, second = materialize(SCENES), materialize(SCENES)
    assert len(fake.calls("POST", TTS)) == len(SCENES)
    assert first.metadata["scenes_spoken"].value == 3 and second.metadata["scenes_reused"].value == 3
    assert second.value.words == first.value.words and second.value.costs == []
    assert second.value.audio.path.read_bytes() == first.value.audio.path.read_bytes()
    assert [w.scene for w in first.value.words] == sorted(w.scene for w in first.value.words)
    assert {w.scene for w in first.value.words} == {0, 1, 2}
    assert first.value.scene_starts[0] == 0 and first.value.scene_starts[1] < first.value.scene_starts[2]
    assert cached_speech(store, voice.cache_key(SCENES[:1], "en-gb"), tmp_path / "x.wav") is not None  # same voice

    edited = materialize([SCENES[0], "A hive keeps its brood at 34 degrees.", SCENES[2]])
    requests = fake.calls("POST", TTS)
    assert len(requests) == len(SCENES) + 1 and "34 degrees" in requests[-1].json()["text"]
    assert edited.metadata["scenes_spoken"].value == 1 and len(edited.value.costs) == 1
    assert edited.value.words[0] == first.value.words[0]  # the hook as it was heard before


@pytest.mark.parametrize("at_once", [4, 2])
def test_scenes_are_spoken_at_once_within_the_bound_and_heard_in_scene_order(fake, tmp_path, at_once):
    """Six scenes, the first answered last: the fake holds `at_once` requests together, never more,
    and the narration still runs hook to call to action."""
    texts = ["Do bees dance?", *(f"Beat number {n} of the story." for n in range(1, 5)), "Follow for more."]
    fake.delay = lambda request: 1.2 if texts[0] in request.json()["text"] else 0.8
    store = StoreResource(root=str(tmp_path / "store"), cache_dir=str(tmp_path / "cache"))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("content_item", ["bees-test"])
    script = Script(item_id="bees-test", title="Bees", hook=texts[0], call_to_action=texts[-1],
                    beats=[Scene(narration=text, visual="bees") for text in texts[1:-1]], description="b", writer="t")
    with build_asset_context(partition_key="bees-test", instance=instance) as context:
        spoken = narrate(context, Idea(item_id="bees-test", row=1, topic="bees"), script, make_voice(fake), store,
                         Policy(review_required=False, scene_concurrency=at_once)).value
    assert fake.most_in_flight == at_once
    assert len(fake.calls("POST", TTS)) == len(spoken.costs) == 6
    assert [w.word for w in spoken.words] == [word for text in texts for word in text.split()]
    assert [w.scene for w in spoken.words] == [index for index, text in enumerate(texts) for _ in text.split()]
    starts = [w.start for w in spoken.words]
    assert starts == sorted(starts) and spoken.scene_starts == sorted(set(spoken.scene_starts))


# --------------------------------------------------------------------------------------------
# The row's language

JAPANESE = ["ミツバチは八の字ダンスで花の場所を伝えます", "巣の中は三十五度に保たれます。"]


def test_english_keeps_the_configured_model_and_other_languages_get_the_multilingual_one(fake, tmp_path):
    voice = make_voice(fake, model_id="eleven_flash_v2")  # an English-only model
    voice.speak(["Bees dance"], "", tmp_path / "en.wav")
    voice.speak(["Las abejas bailan"], "", tmp_path / "es.wav", language("es"))
    make_voice(fake, multilingual_model_id="eleven_flash_v2_5").speak(["Las abejas"], "", tmp_path / "f.wav",
                                                                      language("es-419"))
    assert [(asked["model_id"], asked["language_code"]) for asked in fake.spoken] == [
        ("eleven_flash_v2", "en"),  # a model that takes a language code gets the row's
        ("eleven_multilingual_v2", None),  # multilingual v2 reads the language from the text
        ("eleven_flash_v2_5", "es"),
    ]
    assert voice.voice_for("", language("ja")) == voice.default_voice_id
    assert voice.voice_for(ROW_VOICE, language("ja")) == ROW_VOICE


def test_a_language_the_model_does_not_speak_is_refused_naming_the_setting_that_selects_another():
    voice = ElevenLabsVoice(api_key=KEY)
    with pytest.raises(PermanentError, match=r"eleven_multilingual_v2 does not speak Thai \(th\): select a "
                       r"model that does with SHORTS_ELEVENLABS_MULTILINGUAL_MODEL .*SHORTS_VOICE=espeak"):
        voice.voice_for("", language("th"))
    assert voice.model_copy(update={"multilingual_model_id": "eleven_flash_v2_5"}).voice_for("", language("vi"))
    assert ElevenLabsVoice(api_key=KEY, multilingual_model_id="eleven_v3").voice_for("", language("th"))  # not checked
    assert voice.voice_for("", language("pt-br")) and voice.voice_for("", language("zh-hant"))


def test_japanese_units_get_their_own_timings_from_the_character_alignment(fake, tmp_path):
    ja = language("ja")
    speech = make_voice(fake).speak(JAPANESE, "", tmp_path / "ja.wav", ja)
    text = fake.spoken[0]["text"]
    assert text == "ミツバチは八の字ダンスで花の場所を伝えます。\n巣の中は三十五度に保たれます。"  # as written
    expected = [(unit, scene) for scene, line in enumerate(JAPANESE) for unit in units(line, ja)]
    assert [(w.word, w.scene) for w in speech.words] == expected and len(expected) > 6
    for word in speech.words[:3]:  # each unit is heard while its own characters are
        at = text.index(word.word)
        assert (word.start, word.end) == (pytest.approx(at * 0.06), pytest.approx((at + len(word.word)) * 0.06))
    assert make_voice(fake).cache_key(JAPANESE, "", ja) != make_voice(fake).cache_key(JAPANESE, "")
