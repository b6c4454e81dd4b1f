"""An item's scenes asked of a service at once, through the real OpenAI SDK against its fake:
the fake holds each answer back and counts the requests it holds together."""

import pytest
from dagster import DagsterInstance, build_asset_context

from shorts_assets.assets.clips import draw_clips
from shorts_assets.models import Idea, Scene, Script
from shorts_assets.output import OutputResource
from shorts_assets.policy import Policy
from shorts_assets.providers import TransientError
from shorts_assets.providers.footage_chain import FootageChain
from shorts_assets.providers.openai_footage import OpenAIImageFootage, motion_for
from shorts_assets_tests.conftest import SMALL, local_store
from shorts_assets_tests.fakes.openai_api import FakeOpenAI, error

ITEM = "bees-parallel"
IMAGES = "/v1/images/generations"
VISUALS = ["bees on a sunflower", "a honeycomb, macro", "a queen bee", "bees fanning the hive"]
IDEA = Idea(item_id=ITEM, row=1, topic="honeybees")
SCRIPT = Script(item_id=ITEM, title="Bees", hook="Do bees dance?", call_to_action="Follow for more",
                beats=[Scene(narration=f"Beat {n} of the story.", visual=visual) for n, visual in enumerate(VISUALS)],
                description="bees", writer="test")  # six scenes, each its own picture


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        server.delay = lambda request: 1.0  # an image takes a while: long enough for every scene to ask
        yield server


def make_clips(fake, store, scene_concurrency: int | None = None):
    """The clips step once, as Dagster runs it, with only OpenAI images for footage."""
    footage = FootageChain(order=["openai-images"], openai_images=OpenAIImageFootage(
        api_key=fake.api_key, base_url=f"{fake.url}/v1", store=store, max_retries=0))
    policy = Policy(review_required=False, **({"scene_concurrency": scene_concurrency} if scene_concurrency else {}))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("content_item", [ITEM])
    output = OutputResource(width=SMALL.width, height=SMALL.height, fps=SMALL.fps)
    with build_asset_context(partition_key=ITEM, instance=instance) as context:
        return draw_clips(context, IDEA, SCRIPT, footage, policy, output).value


def prompts(requests) -> list[str]:
    return [request.json()["prompt"] for request in requests]


@pytest.mark.parametrize("at_once", [None, 2])
def test_scenes_are_drawn_at_once_within_the_bound_and_kept_in_scene_order(fake, tmp_path, at_once):
    made = make_clips(fake, local_store(tmp_path), at_once)
    assert fake.most_in_flight == (at_once or 4)  # the default, SHORTS_SCENE_CONCURRENCY=4
    assert [clip.scene for clip in made.clips] == list(range(6))
    assert [clip.picture.media.name for clip in made.clips] == [f"scene-{index:02d}.png" for index in range(6)]
    assert [clip.source for clip in made.clips] == [
        f"openai-images:gpt-image-1 motion={motion_for(ITEM, index)}" for index in range(6)]
    assert len(fake.calls("POST", IMAGES)) == len(made.costs) == 6


def test_a_scene_that_fails_fails_the_step_and_the_retry_pays_only_for_what_was_not_drawn(fake, tmp_path):
    """The fifth scene's picture fails once: the step fails after the scenes already drawing have
    ended, and kept them; the retried step draws the rest, and its record costs only those."""
    store = local_store(tmp_path)
    fake.fail_next(error(500, "The server had an error.", kind="server_error"), IMAGES, body_has=VISUALS[3])
    with pytest.raises(TransientError, match="OpenAI is busy or failing"):
        make_clips(fake, store)
    first = len(fake.calls("POST", IMAGES))
    assert first >= 5  # the four scenes drawing at once, then the one that failed

    retried = make_clips(fake, store)
    asked = prompts(fake.calls("POST", IMAGES))
    assert len(asked) == 6 + 1  # every scene's picture answered once, and the refused request
    assert sum(VISUALS[3] in p for p in asked) == 2 and all(asked.count(p) == 1 for p in asked if VISUALS[3] not in p)
    assert len(retried.costs) == len(asked) - first == 6 - (first - 1)  # only what this attempt paid for
    assert [clip.scene for clip in retried.clips] == list(range(6))

    again = make_clips(fake, store)  # a rematerialization: every picture is kept
    assert len(fake.calls("POST", IMAGES)) == 7 and again.costs == []
