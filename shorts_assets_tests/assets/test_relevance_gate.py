"""The relevance gate in the `clips` step: the real OpenAI SDK against the fake's vision answers,
Pexels against its fake, the row's own media and the procedural fallback."""

from __future__ import annotations

import ffmpeg
import pytest
from dagster import DagsterInstance, Failure, build_asset_context

from shorts_assets.assets.clips import draw_clips
from shorts_assets.media.ffmpeg import run
from shorts_assets.models import Idea, Scene, Script
from shorts_assets.output import OutputResource
from shorts_assets.policy import Policy
from shorts_assets.providers import TransientError
from shorts_assets.providers.footage import scene_seed
from shorts_assets.providers.footage_chain import FootageChain
from shorts_assets.providers.procedural_footage import ProceduralFootage
from shorts_assets.providers.relevance import NO_VISION_MODEL, RelevanceGate
from shorts_assets.providers.stock_footage import PexelsFootage, RowMediaFootage
from shorts_assets_tests.conftest import SMALL
from shorts_assets_tests.fakes.openai_api import FakeOpenAI, images
from shorts_assets_tests.fakes.pexels_api import API_KEY, FakePexels

ITEM = "bees-gate"
VIDEOS = [4001, 4002, 4003, 4004]
IDEA = Idea(item_id=ITEM, row=1, topic="honeybees", media=["", "clips/hive.mp4"])  # scene 1: the row's own
SCRIPT = Script(item_id=ITEM, title="Bees", hook="Do bees dance?", description="bees", writer="test", beats=[
    Scene(narration="Beat zero: a hive at dawn.", visual="a beehive at dawn"),
    Scene(narration="Beat one: bees dance on the comb.", visual="bees dancing on a honeycomb"),
])  # scene 0: the title card, drawn unjudged


def pexels_video(index: int) -> int:
    """The Pexels video scene `index` is offered first (its seed picks it), then the next ones."""
    return VIDEOS[scene_seed(ITEM, index) % len(VIDEOS)]


def offered_after(index: int, skipped: int) -> int:
    return VIDEOS[(scene_seed(ITEM, index) + skipped) % len(VIDEOS)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("media") / "portrait.mp4"
    run(ffmpeg.output(ffmpeg.input("testsrc2=s=90x160:r=10:d=1", f="lavfi"), str(path), vcodec="libx264",
                      preset="ultrafast", pix_fmt="yuv420p"), "make portrait.mp4")
    return path.read_bytes()


@pytest.fixture
def pexels(clip):
    with FakePexels({f"{video}.mp4": ("video/mp4", clip) for video in VIDEOS}) as fake:
        fake.videos = [fake.video(video, [(video, 1080, 1920, f"{video}.mp4")]) for video in VIDEOS]
        yield fake


@pytest.fixture
def vision():
    with FakeOpenAI() as fake:
        yield fake


def chain(tmp_path, pexels, vision, order=("row-media", "pexels", "procedural"), **gate) -> FootageChain:
    (tmp_path / "home" / "clips").mkdir(parents=True, exist_ok=True)
    (tmp_path / "home" / "clips" / "hive.mp4").write_bytes(pexels.files[f"{VIDEOS[0]}.mp4"][1])
    cache = str(tmp_path / "footage")
    return FootageChain(
        order=list(order), procedural=ProceduralFootage(),
        row_media=RowMediaFootage(media_root=str(tmp_path / "home"), cache_dir=cache),
        pexels=PexelsFootage(api_key=API_KEY, base_url=pexels.url, cache_dir=cache, allow_networks=[pexels.address]),
        relevance=RelevanceGate(api_key=vision.api_key, base_url=f"{vision.url}/v1", max_retries=0, **gate)
        if vision else None,
    )


def make_clips(tmp_path, footage: FootageChain):
    """The clips step once, as Dagster runs it, and its metadata."""
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("content_item", [ITEM])
    output = OutputResource(width=SMALL.width, height=SMALL.height, fps=SMALL.fps)
    with build_asset_context(partition_key=ITEM, instance=instance) as context:
        output = draw_clips(context, IDEA, SCRIPT, footage, Policy(review_required=False), output)
    return output.value, {key: value.value for key, value in output.metadata.items()}


def asked(vision, words: str) -> list:
    return [request for request in vision.vision_calls() if words in request.body.decode()]


def test_low_scores_are_refused_and_the_next_candidate_taken(tmp_path, pexels, vision):
    """Scene 1's own media scores low: Pexels' first result is next, and it scores low too, so the
    second result is taken. Scene 2's first result passes. The title card is not judged."""
    vision.queue_score(0.1, "a hive, but at night", when="Beat zero")
    vision.queue_score(0.3, "a field of flowers", when="Beat zero")
    vision.queue_score(0.8, "a hive in morning light", when="Beat zero")
    record, metadata = make_clips(tmp_path, chain(tmp_path, pexels, vision))

    title, hive, dance = record.clips
    assert title.source.startswith("procedural:card") and title.relevance is None and len(title.candidates) == 1
    assert title.candidates[0].score is None and title.gate == "not judged"
    assert title.candidates[0].reason == "a procedural background or text card shows nothing to match"
    assert hive.source.startswith(f"pexels:video {offered_after(1, 1)} ") and hive.relevance == 0.8
    assert [(c.source.split(" file")[0], c.score) for c in hive.candidates] == [
        ("row-media:clips/hive.mp4", 0.1), (f"pexels:video {pexels_video(1)}", 0.3),
        (f"pexels:video {offered_after(1, 1)}", 0.8)]
    assert [bool(c.refused) for c in hive.candidates] == [True, True, False]
    assert hive.candidates[0].refused == "score 0.1 below the threshold 0.5"
    assert hive.candidates[0].reason == "a hive, but at night" and hive.gate == "passed (0.8 >= 0.5) after 2 refused"
    assert dance.source.startswith(f"pexels:video {pexels_video(2)} ") and dance.relevance == 1  # the fake's default
    assert [clip.credit.startswith("Video by") for clip in record.clips] == [False, True, True]
    assert hive.preview.name == "preview-01.jpg" and hive.preview.path.name == "preview-01-2.jpg"  # the one taken

    # What the model saw: one small JPEG per candidate, under the scene's own narration.
    assert len(asked(vision, "Beat zero")) == 3 and len(asked(vision, "Beat one")) == 1
    assert len(vision.vision_calls()) == 4
    for request in vision.vision_calls():
        [picture] = images(request.json())
        assert picture.startswith(b"\xff\xd8\xff") and len(picture) < 20_000
        assert request.json()["model"] == "gpt-4o-mini"
    assert len(pexels.calls("GET", "/videos/search")) == 2  # one search per scene, however many results it offers

    assert metadata["relevance"].startswith("on: gpt-4o-mini, threshold 0.5")
    assert metadata["relevance_scores"] == "-, 0.8, 1" and metadata["relevance_refused"] == 2
    table = metadata["relevance_candidates"]
    assert "| 1 | row-media:clips/hive.mp4 | 0.1 | score 0.1 below the threshold 0.5 | a hive, but at night |" in table
    vision_costs = [cost for cost in record.costs if cost.service == "openai-vision"]
    assert len(vision_costs) == 4 and metadata["openai-vision_prompt_tokens"] == 4 * 1200
    assert metadata["cost_usd"] == pytest.approx(sum(cost.usd for cost in vision_costs))


@pytest.mark.parametrize(("threshold", "taken"), [(0.5, 0), (0.75, 1)])
def test_the_threshold_is_a_setting(tmp_path, pexels, vision, threshold, taken):
    vision.queue_score(0.7, when="Beat one")
    vision.queue_score(0.9, when="Beat one")
    record, _ = make_clips(tmp_path, chain(tmp_path, pexels, vision, ("pexels", "procedural"), threshold=threshold))
    assert record.clips[2].source.startswith(f"pexels:video {offered_after(2, taken)} ")
    assert len(asked(vision, "Beat one")) == taken + 1


def test_when_nothing_passes_within_the_bound_the_best_is_taken_and_said(tmp_path, pexels, vision):
    for score in (0.2, 0.4, 0.3, 0.9):  # the fourth would pass, but the bound is three pictures
        vision.queue_score(score, when="Beat one")
    record, metadata = make_clips(tmp_path, chain(tmp_path, pexels, vision, ("pexels", "procedural"),
                                                  max_candidates=3))
    dance = record.clips[2]
    assert len(asked(vision, "Beat one")) == 3 and len(dance.candidates) == 3
    assert dance.source.startswith(f"pexels:video {offered_after(2, 1)} ") and dance.relevance == 0.4
    assert dance.gate == "none of the 3 pictures tried scored 0.5 or more: took the best (0.4)"
    assert [bool(c.refused) for c in dance.candidates] == [True, False, True]
    assert "took the best (0.4)" in metadata["relevance_candidates"]


def test_when_nothing_passes_and_the_setting_says_fail_the_step_fails_saying_what_to_do(tmp_path, pexels, vision):
    vision.queue_score(0.2, "bees, but no dance", when="Beat one")
    vision.queue_score(0.1, when="Beat one")
    footage = chain(tmp_path, pexels, vision, ("pexels", "procedural"), max_candidates=2, fallback="fail")
    with pytest.raises(Failure) as failed:
        make_clips(tmp_path, footage)
    message = failed.value.description
    assert message.startswith("Scene 2 of bees-gate: none of the 2 pictures tried scored 0.5 or more")
    assert f"best: pexels:video {pexels_video(2)}" in message and "0.2: bees, but no dance" in message
    for fix in ("Give the row its own media", "SHORTS_FOOTAGE", "lower SHORTS_RELEVANCE_THRESHOLD",
                "raise SHORTS_RELEVANCE_CANDIDATES", "SHORTS_RELEVANCE_FALLBACK=best"):
        assert fix in message


def test_pictures_past_the_providers_results_fall_to_the_next_provider(tmp_path, pexels, vision):
    """Pexels has one result for scene 2 and it is refused: the procedural background, which shows
    nothing to match, is taken unjudged and the record says so."""
    pexels.videos = pexels.videos[:1]
    vision.queue_score(0.1, when="Beat one")
    record, _ = make_clips(tmp_path, chain(tmp_path, pexels, vision, ("pexels", "procedural")))
    dance = record.clips[2]
    assert dance.source.startswith("procedural:") and dance.relevance is None
    assert [c.score for c in dance.candidates] == [0.1, None]
    assert dance.gate == "not judged after 1 refused"


def test_offline_the_gate_is_skipped_and_says_so(tmp_path, pexels):
    record, metadata = make_clips(tmp_path, chain(tmp_path, pexels, None))
    assert metadata["relevance"] == NO_VISION_MODEL and "relevance_scores" not in metadata
    assert [clip.gate for clip in record.clips] == [NO_VISION_MODEL] * 3
    assert all(clip.candidates == [] and clip.relevance is None for clip in record.clips)
    assert record.clips[1].source == "row-media:clips/hive.mp4"  # the first candidate, as before the gate


def test_a_garbage_answer_is_a_clear_error(tmp_path, pexels, vision):
    vision.queue_score(content="Sure! This picture is lovely.", when="Beat one")
    with pytest.raises(TransientError, match="gave an unusable answer when asked to judge a picture for scene 2 "
                       "of bees-gate") as error:
        make_clips(tmp_path, chain(tmp_path, pexels, vision, ("pexels", "procedural")))
    assert "SHORTS_RELEVANCE_MODEL" in str(error.value)
