"""How long a short runs and how many spoken words fit it.

Shared by the writers, the strategy's proposals, the rendered video's length attribute and
the footage (a scene's preview, a generated clip's length), so a length bucket and a word
budget mean the same thing everywhere.
"""

from __future__ import annotations

WORDS_PER_SECOND = 2.6  # the offline writer's speaking pace; filled facts fit the same budget
TARGET_SECONDS = {"under-20s": 18, "20-40s": 30, "40-60s": 45}  # a length bucket's aim, inside the bucket
HOOK_AND_OUTRO_WORDS = 8  # what the writer's hook costs beyond its call to action


def clip_seconds(text: str) -> float:
    """About how long a scene of this narration runs at a slow speaking pace (the narration decides exactly)."""
    return round(len(text.split()) / 2.2 + 1.0, 1)


def length_bucket(seconds: float) -> str:
    return "under-20s" if seconds < 20 else "20-40s" if seconds < 40 else "40-60s"


def fit_facts(facts: list[str], topic: str, seconds: int) -> list[str]:
    """The first facts that fit the spoken budget the offline writer uses; always at least one."""
    budget = int(seconds * WORDS_PER_SECOND) - len(f"Follow for more about {topic}.".split()) - HOOK_AND_OUTRO_WORDS
    kept, used = [], 0
    for fact in facts:
        if kept and used + len(fact.split()) > budget:
            break
        kept.append(fact)
        used += len(fact.split())
    return kept
