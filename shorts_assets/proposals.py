"""What to propose next: attribute combinations drawn from the learned strategy by Thompson
sampling, and, offline, each filled with an untaken topic from the shipped bank.

`strategy` learns the bandits from the channel's numbers (the `content_strategy` asset); this
module draws from them (the `idea_proposals` asset). Pure numpy, no Dagster.
"""

from __future__ import annotations

import math
import random

import numpy as np

from .models import AttributeBelief, ContentStrategy, HookStyle, ProposedIdea
from .pacing import TARGET_SECONDS, fit_facts
from .strategy import BANK_PATH, load_bank


class TopicBankExhausted(LookupError):
    """Every topic of a category in the shipped bank is taken; repeating one would remake a video."""


# What a proposal sets. The strategy learns `language` too, but a proposal is written in the bank's (or the
# writer's) language: a language is asked for by a person, in the row's `languages` cell.
PROPOSED = ("category", "hook_style", "length", "music")


def proposed(strategy: ContentStrategy) -> list[AttributeBelief]:
    return [attribute for attribute in strategy.attributes if attribute.attribute in PROPOSED]


def thompson_pick(attribute: AttributeBelief, rng: np.random.Generator, exclude: str = "") -> str:
    """One draw from every arm's posterior; the highest wins (an excluded value never does)."""
    arms = [arm for arm in attribute.arms if arm.value != exclude]
    draws = rng.normal([arm.mean for arm in arms], [arm.sd for arm in arms])
    return arms[int(np.argmax(draws))].value


def arm_note(attribute: AttributeBelief, value: str) -> str:
    arm = next(arm for arm in attribute.arms if arm.value == value)
    return f"{attribute.attribute}={value} (n={arm.n}, {arm.mean:.2f} ± {arm.sd:.2f}, best is {attribute.best})"


def proposal(strategy: ContentStrategy, choice: dict[str, str], forced: bool) -> dict:
    """A choice with its explore flag and a reason naming the values that are not the current best."""
    beliefs = {attribute.attribute: attribute for attribute in strategy.attributes}
    tried = [arm_note(beliefs[name], value) for name, value in choice.items() if value != beliefs[name].best]
    if not tried:
        reason = "exploit: every value is the current best (" + ", ".join(f"{k}={v}" for k, v in choice.items()) + ")"
    else:
        floor = " (exploration floor)" if forced else ""
        reason = f"explore{floor}: " + "; ".join(tried)
    return {**choice, "explore": bool(tried), "reason": reason}


def least_certain(strategy: ContentStrategy) -> AttributeBelief:
    """The attribute whose current best is least likely to really be best: where exploring pays most."""
    return min(proposed(strategy), key=lambda a: next(arm.p_best for arm in a.arms if arm.value == a.best))


def propose(strategy: ContentStrategy, n: int, seed: int, explore_share: float = 0.25) -> list[dict]:
    """Draw n attribute combinations by Thompson sampling: explore and exploit in one rule.

    `explore_share` is a floor, not a target: when the draws leave fewer than that share of
    proposals exploring, the last exploiting ones change their least certain attribute to
    the best other draw. A confident strategy can be confidently wrong (or the audience may
    change); the floor keeps it checking the runners-up. 0 turns it off.
    """
    rng = np.random.default_rng(seed)
    choices = [{a.attribute: thompson_pick(a, rng) for a in proposed(strategy)} for _ in range(n)]
    proposals = [proposal(strategy, choice, forced=False) for choice in choices]
    shortfall = math.ceil(explore_share * n) - sum(p["explore"] for p in proposals)
    target = least_certain(strategy)
    for index in [i for i, p in enumerate(proposals) if not p["explore"]][::-1][:max(shortfall, 0)]:
        choice = {**choices[index], target.attribute: thompson_pick(target, rng, exclude=target.best)}
        proposals[index] = proposal(strategy, choice, forced=True)
    return proposals


def fill_from_bank(choice: dict, taken: set[str], seed: int) -> ProposedIdea:
    """A proposal's text from the shipped bank: an untaken topic of its category, facts fitted to its length.

    A category with no untaken topic raises TopicBankExhausted rather than reusing one: a
    repeat would make the same video again, and the caller can skip or redraw instead.
    """
    category = choice["category"]
    topics = load_bank().get(category, [])
    used = {name.strip().lower() for name in taken}
    free = [topic for topic in topics if topic["topic"].lower() not in used]
    if not free:
        raise TopicBankExhausted(
            f"the topic bank has no untaken {category!r} topic ({len(topics)} in {BANK_PATH.name}, all taken): "
            "add topics to the bank, write the row by hand, or configure a writer service"
        )
    topic = random.Random(seed).choice(free)
    seconds = TARGET_SECONDS[choice["length"]]
    facts = fit_facts(topic["facts"], topic["topic"], seconds)
    return ProposedIdea(
        topic=topic["topic"], category=category, facts=facts, hook_style=HookStyle(choice["hook_style"]),
        target_seconds=seconds, music=choice["music"], explore=choice["explore"],
        reason=f"{choice['reason']}. Topic from the bank; {len(facts)} of {len(topic['facts'])} facts fit {seconds} s.",
    )
