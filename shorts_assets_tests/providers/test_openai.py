"""The OpenAI writer and image footage, through the real SDK against a local fake of the API."""

from __future__ import annotations

import base64
import json
import time
import types
from pathlib import Path

import openai._base_client
import pytest

from shorts_assets import models
from shorts_assets.media.probe import probe
from shorts_assets.providers import PermanentError, TransientError
from shorts_assets.providers.footage import ClipRequest, Footage, generation_prompt
from shorts_assets.providers.http_errors import retry_after
from shorts_assets.providers.openai_footage import MOTIONS, OpenAIImageFootage, motion_for
from shorts_assets.providers.openai_writer import OpenAIWriter, user_prompt
from shorts_assets_tests.conftest import SMALL, local_store
from shorts_assets_tests.fakes import Response
from shorts_assets_tests.fakes.openai_api import FakeOpenAI, bearer, error

CHAT, IMAGES = "/v1/chat/completions", "/v1/images/generations"
FACTS = ["Bees dance to tell each other where flowers are.", "A hive keeps its brood at 35 degrees."]
IDEA = models.Idea(item_id="honeybees-1", row=2, topic="honeybees", category="nature", facts=FACTS,
                   target_seconds=20)
HINTS = "Question hooks kept viewers longest last week."


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The SDK's retry waits, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(openai._base_client, "time", types.SimpleNamespace(sleep=waits.append, time=time.time))
    return waits


@pytest.fixture
def fake(sleeps):
    with FakeOpenAI() as server:
        yield server


def writer(fake, **fields) -> OpenAIWriter:
    return OpenAIWriter(**{"api_key": fake.api_key, "base_url": fake.url + "/v1", **fields})


@pytest.fixture
def store(tmp_path_factory):
    """Where the image footage keeps what it paid for: apart from the clips a test makes."""
    return local_store(tmp_path_factory.mktemp("kept"))


def footage(fake, store, **fields) -> OpenAIImageFootage:
    return OpenAIImageFootage(**{"api_key": fake.api_key, "base_url": fake.url + "/v1", "store": store, **fields})


def request(tmp_path, visual="bees dancing on a honeycomb, macro", index=1) -> ClipRequest:
    scene = models.Scene(narration="Bees dance.", visual=visual)
    return ClipRequest("honeybees-1", index, scene, tmp_path, fmt=SMALL)


# --------------------------------------------------------------------------------------------
# Writer


def test_writer_sends_the_idea_and_hints_and_maps_the_structured_reply(fake):
    script = writer(fake).write(IDEA, hints=HINTS)

    (sent,) = fake.calls("POST", CHAT)
    body = sent.json()
    assert bearer(sent) == fake.api_key
    assert body["model"] == "gpt-4o-mini"
    system, user = body["messages"]
    assert system["role"] == "system" and "never invent" in system["content"]
    assert all(fact in user["content"] for fact in FACTS)
    assert HINTS in user["content"] and "honeybees" in user["content"]
    assert "at most 52 words" in user["content"]  # 20 s at 2.6 words a second
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]
    assert schema["strict"] is True
    assert set(schema["schema"]["required"]) == {
        "title", "hook", "style", "beats", "description", "hashtags", "call_to_action"
    }

    assert script.item_id == "honeybees-1" and script.writer == "openai:gpt-4o-mini"
    assert script.title == "title text" and script.hook == "hook text"
    assert [(b.narration, b.visual) for b in script.beats] == [("narration text", "visual_prompt text")] * 2
    assert [b.search_terms for b in script.beats] == [["search_terms 1 text", "search_terms 2 text"]] * 2
    assert script.style == models.VisualStyle(palette=["#f2c14e", "#e4572e"], medium="medium text", era="era text")
    assert script.hashtags == ["#hashtags1text", "#hashtags2text"]
    assert script.call_to_action == "call_to_action text"
    (cost,) = script.costs
    assert cost.service == "openai"
    assert cost.units == {"prompt_tokens": 1200, "completion_tokens": 300}
    assert cost.usd == pytest.approx((1200 * 0.15 + 300 * 0.60) / 1e6)


def _reply(**changes) -> str:
    """A script reply as a model might write it, with `changes` to its style and first beat."""
    beat = {"narration": "Bees dance.", "visual_prompt": "a honeybee dancing on a comb",
            "search_terms": ["honeybee on comb"], **changes.pop("beat", {})}
    style = {"palette": ["#1B3A4B", "#f2c14e"], "medium": "35mm film photography", "era": "1970s",
             **changes.pop("style", {})}
    return json.dumps({"title": "Bees", "hook": "Do bees dance?", "style": style, "beats": [beat],
                       "description": "Bees.", "hashtags": ["#bees"], "call_to_action": "Follow."})


def test_search_terms_that_are_not_short_phrases_are_dropped_and_the_rest_kept(fake):
    terms = ["honeybee   on\ncomb", "see https://example.com/bees", "www.bees.example", "bee\x00hive",
             "a" * 41, "", "honeybee on comb", "flower meadow", "beekeeper", "hive entrance"]
    fake.queue_reply(content=_reply(beat={"search_terms": terms}))
    script = writer(fake).write(IDEA)
    assert script.beats[0].search_terms == ["honeybee on comb", "flower meadow", "beekeeper"]  # once each, three
    assert script.style.palette == ["#1b3a4b", "#f2c14e"]  # hex colours in either case


@pytest.mark.parametrize("palette, says", [
    (["#1b3a4b"], "at least 2 items"),
    (["#1b3a4b", "navy blue"], "'navy blue' is not a #rrggbb hex colour"),
    (["#1b3a4b", "#fff"], "'#fff' is not a #rrggbb hex colour"),
    (["#111111"] * 6, "at most 5 items"),
])
def test_a_palette_that_is_not_two_to_five_hex_colours_makes_the_reply_unusable(fake, palette, says):
    """A style is one whole: colours cannot be made up for it, so the reply is refused, and
    refused as transient (another draw of the model may well fit, as for any missed schema)."""
    fake.queue_reply(content=_reply(style={"palette": palette}))
    with pytest.raises(TransientError, match="unusable script for honeybees-1") as caught:
        writer(fake).write(IDEA)
    assert says in str(caught.value)


def test_a_style_with_a_link_is_refused(fake):
    fake.queue_reply(content=_reply(style={"medium": "photos like https://example.com/x"}))
    with pytest.raises(TransientError, match="style's medium .* holds a link"):
        writer(fake).write(IDEA)


def test_prompt_keeps_the_rows_own_script_and_language():
    idea = IDEA.model_copy(update={"script": "Bees can count. They really can.", "facts": [], "language": "de"})
    prompt = user_prompt(idea, "")
    assert "Bees can count. They really can." in prompt and "'de'" in prompt
    assert "Facts to use" not in prompt and "Advice" not in prompt


def test_a_hindi_row_asks_for_every_viewer_facing_field_in_hindi(fake):
    idea = IDEA.model_copy(update={"topic": "मधुमक्खी", "facts": ["मधुमक्खियाँ नाचती हैं।"], "language": "hi"})
    script = writer(fake).write(idea)
    (sent,) = fake.calls("POST", CHAT)
    body = sent.json()
    user = body["messages"][1]["content"]
    assert "in Hindi (code 'hi'), in its own script: narration, title, description, hashtags and call to action" in user
    assert "मधुमक्खी" in user and "मधुमक्खियाँ नाचती हैं।" in user
    fields = body["response_format"]["json_schema"]["schema"]["properties"]
    for name in ("title", "description", "hashtags"):
        assert "in the script's language" in fields[name]["description"]
    assert script.item_id == idea.item_id


def test_writer_retries_a_503_then_succeeds(fake, sleeps):
    fake.fail_next(error(503, "The server is overloaded.", kind="server_error"), CHAT)
    script = writer(fake).write(IDEA)
    assert len(fake.calls("POST", CHAT)) == 2 and len(sleeps) == 1
    assert len(script.beats) == 2


def test_a_server_that_echoes_the_key_in_its_error_is_passed_on_with_the_key_blanked(fake, sleeps):
    key = fake.api_key
    fake.fail_next(error(500, f"The server had an error: authorization: Bearer {key};", kind="server_error"),
                   CHAT, times=3)
    with pytest.raises(TransientError) as caught:
        writer(fake).write(IDEA)
    assert "authorization: Bearer ***;" in str(caught.value) and key not in str(caught.value)


def test_writer_rate_limited_past_the_sdk_retries_is_transient_with_retry_after(fake, sleeps):
    limited = error(429, "Rate limit reached for gpt-4o-mini.", "rate_limit_exceeded", headers={"Retry-After": "7"})
    fake.fail_next(limited, CHAT, times=3)
    with pytest.raises(TransientError) as caught:
        writer(fake).write(IDEA)
    assert caught.value.retry_after == 7
    assert sleeps == [7, 7]  # the SDK waited as told before giving up
    assert len(fake.calls("POST", CHAT)) == 3


def test_writer_dropped_connection_is_transient(fake):
    fake.fail_next(Response(drop=True), CHAT)
    with pytest.raises(TransientError, match="Could not reach OpenAI"):
        writer(fake, max_retries=0).write(IDEA)


def test_bad_key_is_permanent_names_the_variable_and_hides_the_key(fake):
    secret = "sk-proj-wrong-0123456789"
    with pytest.raises(PermanentError) as caught:
        writer(fake, api_key=secret).write(IDEA)
    message = str(caught.value)
    assert "OPENAI_API_KEY" in message and secret not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert len(fake.calls("POST", CHAT)) == 1  # 401 is not retried


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (error(429, "You exceeded your current quota.", "insufficient_quota"), "billing"),
        (error(400, "Invalid schema for response_format.", "invalid_request_error"), r"rejected the request \(400\)"),
        (error(404, "The model `gpt-9` does not exist.", "model_not_found"), "OPENAI_BASE_URL"),
    ],
)
def test_writer_permanent_errors(fake, fault, says):
    fake.fail_next(fault, CHAT, times=3)
    with pytest.raises(PermanentError, match=says):
        writer(fake).write(IDEA)


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        ({"refusal": "I can't help with that."}, "refused to write the script for honeybees-1: I can't help"),
        ({"content": '{"title": "Bees', "finish_reason": "length"}, "token limit"),
        ({"content": "", "finish_reason": "content_filter"}, "content filter"),
    ],
)
def test_writer_refusals_and_cut_replies_are_permanent(fake, reply, says):
    fake.queue_reply(**reply)
    with pytest.raises(PermanentError, match=says):
        writer(fake).write(IDEA)
    assert len(fake.calls("POST", CHAT)) == 1


@pytest.mark.parametrize("content", ['{"title": "Bees"}', '{"title": "t", "hook": "h", "beats": [], '
                                     '"description": "d", "hashtags": [], "call_to_action": ""}'])
def test_writer_reply_that_misses_the_schema_is_transient(fake, content):
    fake.queue_reply(content=content)
    with pytest.raises(TransientError, match="unusable script"):
        writer(fake).write(IDEA)


def test_retry_after_reads_milliseconds_seconds_and_dates():
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"retry-after": "3"}) == 3
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0  # in the past
    assert retry_after({}) is None and retry_after({"retry-after": "soon"}) is None


# --------------------------------------------------------------------------------------------
# Image footage


def test_is_footage():
    assert isinstance(OpenAIImageFootage(api_key="x", store=local_store(Path("unused"))), Footage)


def test_an_image_scene_is_the_generated_still_moved_by_its_scene_motion(fake, store, tmp_path):
    made = footage(fake, store).make_clip(request(tmp_path))

    (sent,) = fake.calls("POST", IMAGES)
    body = sent.json()
    assert body["model"] == "gpt-image-1" and body["size"] == "1024x1536" and body["n"] == 1
    assert body["quality"] == "medium"
    assert "response_format" not in body  # gpt-image models reject it
    assert body["prompt"].startswith("bees dancing on a honeycomb, macro.") and "No text" in body["prompt"]

    assert made.picture.motion == motion_for("honeybees-1", 1)
    assert made.picture.media.name == "scene-01.png" and made.picture.media.mime == "image/png"
    assert probe(made.picture.media.local()).video_codec == "png"  # the still as sent, not re-encoded
    assert made.source == f"openai-images:gpt-image-1 motion={motion_for('honeybees-1', 1)}"
    assert made.cost == models.Cost(service="openai-images", units={"images": 1}, usd=0.063)


def test_dall_e_is_asked_for_base64_and_cards_become_cover_pictures(fake, store, tmp_path):
    card = request(tmp_path, visual="title card: Honeybees", index=0)
    footage(fake, store, model="dall-e-3", quality="").make_clip(card)
    body = fake.calls("POST", IMAGES)[0].json()
    assert body["response_format"] == "b64_json" and "quality" not in body
    assert body["prompt"].startswith("An eye-catching cover picture for a short video: Honeybees.")


def test_an_image_is_paid_once_per_prompt_model_and_settings(fake, store, tmp_path):
    """Kept under cache/images/<hash>/: the same prompt again (another scene, a retried step) is
    drawn from the store and costs nothing; another model or quality is another picture."""
    first = footage(fake, store).make_clip(request(tmp_path, index=1))
    again = footage(fake, store).make_clip(request(tmp_path, index=2))
    assert len(fake.calls("POST", IMAGES)) == 1
    assert first.cost.units == {"images": 1} and again.cost is None
    assert again.picture.media.local().read_bytes() == first.picture.media.local().read_bytes() == fake.image
    kept = footage(fake, store).image_key(generation_prompt(request(tmp_path)))
    assert (Path(store.root) / "cache" / "images" / kept / "image.png").read_bytes() == fake.image

    footage(fake, store, quality="high").make_clip(request(tmp_path))
    footage(fake, store, model="dall-e-3").make_clip(request(tmp_path))
    footage(fake, store).make_clip(request(tmp_path, visual="a honeycomb at dawn"))
    assert len(fake.calls("POST", IMAGES)) == 4

    (Path(store.root) / "cache" / "images" / kept / "image.png").write_bytes(b"cut short")
    assert footage(fake, store).make_clip(request(tmp_path)).cost is not None  # a damaged copy is drawn anew
    assert len(fake.calls("POST", IMAGES)) == 5


def test_motion_is_stable_per_scene_and_varies_across_scenes():
    motions = [motion_for("honeybees-1", index) for index in range(12)]
    assert motions == [motion_for("honeybees-1", index) for index in range(12)]
    assert set(motions) <= set(MOTIONS) and len(set(motions)) > 2


def test_image_500_then_success(fake, store, sleeps, tmp_path):
    fake.fail_next(error(500, "The server had an error.", kind="server_error"), IMAGES)
    made = footage(fake, store).make_clip(request(tmp_path))
    assert len(fake.calls("POST", IMAGES)) == 2 and len(sleeps) == 1
    assert made.picture.media.local().is_file()


@pytest.mark.parametrize("code", ["content_policy_violation", "moderation_blocked"])
def test_content_policy_is_permanent(fake, store, tmp_path, code):
    fake.fail_next(error(400, "Your request was rejected by the safety system.", code), IMAGES)
    with pytest.raises(PermanentError, match="content policy rejected the request to draw scene 1 of honeybees-1"):
        footage(fake, store).make_clip(request(tmp_path))


def test_bad_key_for_images_names_the_variable(fake, store, tmp_path):
    with pytest.raises(PermanentError, match="OPENAI_API_KEY") as caught:
        footage(fake, store, api_key="sk-nope-42").make_clip(request(tmp_path))
    assert "sk-nope-42" not in str(caught.value)


@pytest.mark.parametrize(
    "b64", [base64.b64encode(b"<html>not an image</html>").decode(), "%%% not base64 %%%"]
)
def test_corrupt_image_is_permanent(fake, store, tmp_path, b64):
    fake.fail_next(Response(200, {"created": 1, "data": [{"b64_json": b64}]}), IMAGES)
    with pytest.raises(PermanentError, match="corrupt image"):
        footage(fake, store).make_clip(request(tmp_path))
    assert list(tmp_path.iterdir()) == []  # nothing kept of it
