"""`narration` and `clips` as one step (`scenes`): the voice and the pictures are asked for side by
side, either can be made alone, and what one made is kept when the other fails."""

import threading

import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize

from shorts_assets.assets.clips import CLIPS
from shorts_assets.assets.narration import NARRATION
from shorts_assets.assets.scenes import scenes
from shorts_assets.models import Idea, Script
from shorts_assets.output import OutputResource
from shorts_assets.partitions import content_items
from shorts_assets.policy import Policy
from shorts_assets.providers.elevenlabs_voice import ElevenLabsVoice
from shorts_assets.providers.footage_chain import FootageChain
from shorts_assets.providers.openai_footage import OpenAIImageFootage
from shorts_assets.store import StoreIOManager, load_record
from shorts_assets_tests.assets.test_parallel_scenes import IDEA, IMAGES, ITEM, SCRIPT
from shorts_assets_tests.conftest import SMALL, local_store
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.openai_api import FakeOpenAI, error

TTS = "/v1/text-to-speech/"
IDEA_KEY, SCRIPT_KEY = AssetKey("idea"), AssetKey("script")


@pytest.fixture
def fakes():
    with FakeOpenAI() as openai, FakeElevenLabs() as elevenlabs:
        yield openai, elevenlabs


@asset(name="idea", partitions_def=content_items)
def given_idea() -> Idea:
    return IDEA


@asset(name="script", partitions_def=content_items, deps=[given_idea])
def given_script() -> Script:
    return SCRIPT


def run_scenes(fakes, store, selected=(NARRATION, CLIPS)) -> tuple[dict, str | None]:
    """The step as Dagster runs it: what it stored, by asset, and why it failed, if it did."""
    openai, elevenlabs = fakes
    footage = FootageChain(order=["openai-images"], openai_images=OpenAIImageFootage(
        api_key=openai.api_key, base_url=f"{openai.url}/v1", store=store, max_retries=0))
    resources = {"store": store, "io_manager": StoreIOManager(store=store), "footage": footage,
                 "policy": Policy(review_required=False),
                 "voice": ElevenLabsVoice(api_key=elevenlabs.api_key, base_url=elevenlabs.url, max_retries=0),
                 "output": OutputResource(width=SMALL.width, height=SMALL.height, fps=SMALL.fps)}
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(content_items.name, [ITEM])
    result = materialize([given_idea, given_script, scenes], selection=[IDEA_KEY, SCRIPT_KEY, *selected],
                         partition_key=ITEM, instance=instance, resources=resources, raise_on_error=False)
    made = {key.to_user_string(): load_record(store.open(), key, ITEM) for key in (NARRATION, CLIPS)
            if instance.get_latest_materialization_event(key) is not None}
    failures = [event.step_failure_data.user_failure_data.description for event in result.all_events
                if event.is_step_failure]
    return made, failures[0] if failures else None


def test_the_voice_and_the_pictures_are_asked_for_at_the_same_time(fakes, tmp_path):
    """A voice request and an image request meet: each waits (up to 10 s) for the other to arrive,
    which they only can when the step asks both services at once."""
    openai, elevenlabs = fakes
    meeting, arrived, guard = threading.Barrier(2, timeout=10), set(), threading.Lock()

    def meet(request) -> float:
        """The first request of each service waits at the meeting point."""
        kind = "image" if request.path.startswith(IMAGES) else "voice"
        with guard:
            first = kind not in arrived
            arrived.add(kind)
        if first:
            meeting.wait()
        return 0.0

    openai.delay = elevenlabs.delay = meet
    made, raised = run_scenes(fakes, local_store(tmp_path))
    assert raised is None and arrived == {"image", "voice"} and not meeting.broken
    assert set(made) == {"narration", "clips"} and len(made["clips"].clips) == len(SCRIPT.scenes)
    assert len(openai.calls("POST", IMAGES)) == len(elevenlabs.calls("POST", TTS)) == len(SCRIPT.scenes)


def test_a_failed_picture_fails_the_step_once_the_narration_is_made(fakes, tmp_path):
    openai, elevenlabs = fakes
    openai.fail_next(error(400, "Your request was rejected by the safety system.", kind="invalid_request_error",
                           code="content_policy_violation"), IMAGES)
    made, raised = run_scenes(fakes, local_store(tmp_path))
    assert raised is not None and "safety system" in raised
    assert set(made) == {"narration"} and made["narration"].duration_s > 0  # stored before the step failed


def test_either_asset_is_made_alone(fakes, tmp_path):
    openai, elevenlabs = fakes
    made, raised = run_scenes(fakes, local_store(tmp_path), selected=[NARRATION])
    assert raised is None and set(made) == {"narration"} and openai.requests == []
    made, raised = run_scenes(fakes, local_store(tmp_path), selected=[CLIPS])
    assert raised is None and set(made) == {"clips"} and len(elevenlabs.calls("POST", TTS)) == len(SCRIPT.scenes)
