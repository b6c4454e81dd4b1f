"""Eight turns of the closed loop on the sandbox, through the real jobs and the real sheet
sensor: proposals -> production -> publish -> metrics -> strategy. The simulated audience has
hidden, seeded preferences; the strategy must find them."""

import json
from collections import Counter

import pytest
from dagster import SensorResult, build_sensor_context, instance_for_test

from shorts_assets.automation.intake import content_sheet_sensor
from shorts_assets.automation.schedules import run_cycle
from shorts_assets.definitions import build_definitions
from shorts_assets.providers.platforms import SimulatedAudience
from shorts_assets.strategy import reward
from shorts_assets_tests.conftest import small_settings, write_sheet

CYCLES, PER_CYCLE, SEED = 8, 3, 7


def reward_at_48h(home, audience: SimulatedAudience, item: str) -> float:
    """Each item scored at the same age, so early and late cycles compare fairly."""
    video = json.loads((home / f"store/rendered_video/{item}/record.json").read_text())["record"]
    post = json.loads((home / f"store/published_post/{item}/record.json").read_text())["record"]["posts"][0]
    figures = audience.snapshot(post["post_id"], video["attributes"], video["duration_s"], hours=48)
    return reward(figures["views"], figures["avg_view_duration_s"], video["duration_s"])


def favourite(audience: SimulatedAudience, attribute: str, values: list[str]) -> str:
    return max(values, key=lambda value: audience.appeal({attribute: value}))


@pytest.mark.slow
@pytest.mark.heavy
def test_the_strategy_learns_what_the_simulated_audience_likes(tmp_path):
    write_sheet(tmp_path / "content_sheet.csv", [])
    defs = build_definitions(small_settings({
        "SHORTS_HOME": str(tmp_path), "SHORTS_AUTO_APPROVE_IDEAS": "true", "SHORTS_STRATEGY_SEED": str(SEED),
        "SHORTS_PROPOSALS_PER_CYCLE": str(PER_CYCLE), "SHORTS_MAX_OPEN_PROPOSALS": str(PER_CYCLE),
        "SHORTS_SANDBOX_HOURS_PER_SECOND": "24"}))  # a simulated day per real second: every post has settled
    produce = defs.resolve_job_def("content_pipeline")
    chosen, made, cursor = [], [], None
    with instance_for_test() as instance:
        assert run_cycle(defs, instance).success  # cycle 0: the prior proposes
        for _ in range(CYCLES):
            proposals = json.loads((tmp_path / "store/idea_proposals/record.json").read_text())["record"]
            chosen.append(proposals["proposals"])
            with build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources) as context:
                tick = content_sheet_sensor(context)
            if not isinstance(tick, SensorResult):  # every proposal was a duplicate of a made item
                made.append([])
                assert run_cycle(defs, instance).success
                continue
            cursor = tick.cursor
            for request in tick.dynamic_partitions_requests:
                instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
            for run in tick.run_requests:
                assert produce.execute_in_process(partition_key=run.partition_key, instance=instance).success
            made.append([run.partition_key for run in tick.run_requests])
            assert run_cycle(defs, instance).success
    audience = SimulatedAudience(seed=SEED)
    rewards = [sum(reward_at_48h(tmp_path, audience, item) for item in items) / len(items) for items in made if items]
    print("mean reward per cycle at 48 h:", [round(r, 2) for r in rewards])
    assert sum(rewards[-3:]) > sum(rewards[:3])
    hooks = ["question", "bold-claim", "number", "story"]
    best_hook = favourite(audience, "hook_style", hooks)
    late = [p for cycle in chosen[-3:] for p in cycle]
    share = Counter(p["hook_style"] for p in late)[best_hook] / len(late)
    print(f"favourite hook {best_hook}: {share:.0%} of the last 3 cycles' proposals (uniform 25%)")
    categories = sorted({p["category"] for cycle in chosen for p in cycle})
    best_category = favourite(audience, "category", categories)
    category_share = Counter(p["category"] for p in late)[best_category] / len(late)
    print(f"favourite category {best_category}: {category_share:.0%} (uniform {1 / len(categories):.0%})")
    assert share >= 2 * (1 / len(hooks))
