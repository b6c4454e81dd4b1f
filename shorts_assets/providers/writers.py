"""Writers turn an idea into a script: hook, beats with visual cues, call to action.

The offline writer is bring-your-own: it reads the row's own script as written, or shapes
the row's facts into a short, fitted to the target length. It invents no facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dagster import ConfigurableResource

from ..models import Cost, HookStyle, Idea, ProposedIdea, Scene, Script
from ..pacing import WORDS_PER_SECOND

STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "did", "for", "from", "has", "have", "in", "is", "it",
     "its", "of", "on", "or", "so", "than", "that", "the", "their", "there", "they", "this", "to", "was",
     "were", "what", "when", "which", "who", "why", "with", "you", "your"}
)


class Writer(Protocol):
    name: str

    def write(self, idea: Idea, hints: str = "") -> Script:
        """A script for the idea; `hints` is the content strategy's advice, when there is one."""
        ...


@dataclass(frozen=True)
class Themes:
    """What viewers' comments are about, and what summing them up cost (None when nothing was asked)."""

    themes: list[str]
    cost: Cost | None = None


@runtime_checkable
class ThemeReader(Protocol):
    """A writer that can sum comments up into themes (a writer service); offline, their keywords do."""

    def themes(self, comments: list[str], top: int = 5) -> Themes: ...


@dataclass(frozen=True)
class Drafted:
    """A proposal's topic and facts, written for the strategy's choice, and what writing them cost."""

    idea: ProposedIdea
    cost: Cost | None = None


@runtime_checkable
class IdeaDrafter(Protocol):
    """A writer that can draft a new idea (a writer service); offline, the topic bank fills it."""

    def draft_idea(self, choice: dict, taken: set[str], hints: str = "") -> Drafted: ...


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def visual_cue(text: str) -> str:
    """The few words that say most about what a sentence shows."""
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", text.lower()) if w not in STOPWORDS]
    return " ".join(sorted(set(words), key=lambda w: (-len(w), words.index(w)))[:3]) or "abstract"


def hashtags(idea: Idea) -> list[str]:
    words = [idea.category, *re.findall(r"[^\W_]+", idea.topic.lower())]
    tags = ["#shorts", *(f"#{w}" for w in words if w and w not in STOPWORDS)]
    return list(dict.fromkeys(tags))[:6]


HOOKS = {
    HookStyle.question: "Did you know this about {topic}?",
    HookStyle.bold_claim: "{Topic} is stranger than you think.",
    HookStyle.number: "{count} facts about {topic} in {seconds} seconds.",
    HookStyle.story: "Here is the story of {topic}.",
}


class BringYourOwnWriter(ConfigurableResource):
    """Offline writer: the row's script as written, or its facts fitted to the target."""

    name: str = "byo"

    def write(self, idea: Idea, hints: str = "") -> Script:
        """Hints are not used: this writer invents nothing beyond the row."""
        if idea.script:
            return self._from_script(idea)
        return self._from_facts(idea)

    def _from_script(self, idea: Idea) -> Script:
        parts = sentences(idea.script)
        hook, rest = parts[0], parts[1:] or [parts[0]]
        beats = [" ".join(rest[i : i + 2]) for i in range(0, len(rest), 2)]
        return self._script(idea, hook, beats, call_to_action="")

    def _from_facts(self, idea: Idea) -> Script:
        budget = int(idea.target_seconds * WORDS_PER_SECOND)
        topic = idea.topic.rstrip(".!?")
        call_to_action = f"Follow for more about {topic}."
        facts, used = [], len(call_to_action.split()) + 8
        for fact in idea.facts:
            words = len(fact.split())
            if facts and used + words > budget:
                break
            facts.append(fact if fact.endswith((".", "!", "?")) else fact + ".")
            used += words
        hook = HOOKS[idea.hook_style].format(
            topic=topic, Topic=topic[:1].upper() + topic[1:], count=len(facts), seconds=idea.target_seconds
        )
        return self._script(idea, hook, facts, call_to_action)

    def _script(self, idea: Idea, hook: str, beats: list[str], call_to_action: str) -> Script:
        title = idea.topic[:1].upper() + idea.topic[1:].rstrip(".!?")
        tags = hashtags(idea)
        return Script(
            item_id=idea.item_id,
            title=title[:100],
            hook=hook,
            beats=[Scene(narration=text, visual=visual_cue(text)) for text in beats],
            call_to_action=call_to_action,
            description=f"{hook} {' '.join(beats[:1])}\n\n{' '.join(tags)}",
            hashtags=tags,
            writer=self.name,
        )
