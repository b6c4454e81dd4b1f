"""Writers turn an idea into a script: hook, beats with visual cues, call to action.

The offline writer is bring-your-own: it reads the row's own script as written, or shapes
the row's facts into a short, fitted to the target length. It invents no facts, and writes
only in the row's language: its hooks and calls to action come from `phrases.py`, and a
language without them gets the facts alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dagster import ConfigurableResource

from ..languages import DEFAULT, Language, language
from ..models import MAX_SEARCH_TERM_CHARS, MAX_SEARCH_TERMS, Cost, Idea, ProposedIdea, Scene, Script
from ..pacing import WORDS_PER_SECOND
from ..text_rules import SENTENCE_ENDS, caption_case, cut_at_word, full_stop, units
from ..visual_styles import style_for
from .phrases import phrases

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


_SPACED_STOPS = re.escape(".!?…؟।॥")  # a sentence ends at one of these and a space
_FULL_WIDTH_STOPS = "。！？"  # Chinese and Japanese sentences end here, with no space after
_SENTENCE = re.compile(rf"(?<=[{_SPACED_STOPS}])\s+|(?<=[{_FULL_WIDTH_STOPS}])\s*")


def sentences(text: str, spoken_in: Language = DEFAULT) -> list[str]:
    """The text's sentences. Thai marks no sentence end but a space, so there every space ends one."""
    parts = text.split() if spoken_in.script == "Thai" else _SENTENCE.split(text.strip())
    return [s.strip() for s in parts if s.strip()]


def words(text: str, inner: str = "'-") -> list[str]:
    """Runs of letters, combining marks and digits in any script (with `inner` characters inside
    a word). `\\w` alone would cut Hindi or Bengali at every vowel sign, which are marks."""
    found: list[str] = []
    current = ""
    for ch in text + " ":
        if unicodedata.category(ch)[0] in "LMN" or (ch in inner and current):
            current += ch
        elif current:
            found.append(current.rstrip(inner))
            current = ""
    return found


def content_words(text: str, spoken_in: Language = DEFAULT) -> list[str]:
    """The text's words (phrases where words run together) that are not numbers or stopwords, once each, in order."""
    found = [w for unit in units(text.lower(), spoken_in) for w in words(unit)
             if w[0].isalpha() and w not in STOPWORDS]
    return list(dict.fromkeys(found))


def telling(text: str, spoken_in: Language = DEFAULT) -> list[str]:
    """The content words longest first: a long word is usually the one that names a thing."""
    return sorted(content_words(text, spoken_in), key=len, reverse=True)


def visual_cue(text: str, spoken_in: Language = DEFAULT) -> str:
    """The few words that say most about what a sentence shows (phrases where words run together)."""
    return " ".join(telling(text, spoken_in)[:3]) or "abstract"


def search_terms(text: str, topic: str, spoken_in: Language = DEFAULT) -> list[str]:
    """Stock-search terms for a beat: the topic with each of the beat's two most telling words, then the topic.

    Content words, not nouns: no tagger covers every language offline. Pairing each word with
    the topic keeps it on subject ("honeybees workers" rather than "workers").
    """
    topic_words = content_words(topic, spoken_in)[:3]
    own = [word for word in telling(text, spoken_in)
           if not any(word in known or known in word for known in topic_words)][:2]  # "octopus" is in "octopuses"
    subject = " ".join(topic_words)
    terms = [f"{subject} {word}".strip() for word in own] + [subject]
    cuts = (cut_at_word(term, MAX_SEARCH_TERM_CHARS) for term in terms)
    return list(dict.fromkeys(cut for cut in cuts if cut))[:MAX_SEARCH_TERMS]


def hashtags(idea: Idea) -> list[str]:
    """#shorts, the category and the topic's words, each kept whole in its own script."""
    tags = ["#shorts", *(f"#{w}" for w in words(f"{idea.category} {idea.topic}".lower(), inner="")
                        if w not in STOPWORDS)]
    return list(dict.fromkeys(tags))[:6]


def joined(parts: list[str]) -> str:
    """Sentences as one text: after a full-width stop the next follows with no space, as written."""
    text = ""
    for part in parts:
        text += ("" if not text or text.endswith(tuple(_FULL_WIDTH_STOPS)) else " ") + part
    return text


def closed(sentence: str, spoken_in: Language) -> str:
    """The sentence with the end mark of its language when it has none."""
    return sentence if sentence.endswith(tuple(SENTENCE_ENDS)) else sentence + full_stop(spoken_in)


class BringYourOwnWriter(ConfigurableResource):
    """Offline writer: the row's script as written, or its facts fitted to the target."""

    name: str = "byo"

    def write(self, idea: Idea, hints: str = "") -> Script:
        """Hints are not used: this writer invents nothing beyond the row."""
        if idea.script:
            return self._from_script(idea)
        return self._from_facts(idea)

    def _from_script(self, idea: Idea) -> Script:
        parts = sentences(idea.script, language(idea.language))
        hook, rest = parts[0], parts[1:] or [parts[0]]
        beats = [joined(rest[i : i + 2]) for i in range(0, len(rest), 2)]
        return self._script(idea, hook, beats, call_to_action="")

    def _from_facts(self, idea: Idea) -> Script:
        """The hook, the facts that fit, the call to action. Without phrases in the row's language,
        the first fact opens the video (or, when there is one sentence only, the topic does)."""
        spoken_in = language(idea.language)
        own = phrases(spoken_in)
        budget = int(idea.target_seconds * WORDS_PER_SECOND)
        topic = idea.topic.rstrip(SENTENCE_ENDS)
        fill = {"topic": topic, "Topic": caption_case(topic[:1], spoken_in) + topic[1:], "seconds": idea.target_seconds}
        call_to_action = own.call_to_action.format(**fill) if own else ""
        facts, used = [], len(units(call_to_action, spoken_in)) + 8
        for fact in idea.facts:
            spoken = len(units(fact, spoken_in))
            if facts and used + spoken > budget:
                break
            facts.append(closed(fact, spoken_in))
            used += spoken
        if own:
            return self._script(idea, own.hook(idea.hook_style).format(count=len(facts), **fill), facts, call_to_action)
        told = [sentence for fact in facts for sentence in sentences(fact, spoken_in)]
        hook, beats = (told[0], told[1:]) if len(told) > 1 else (closed(topic, spoken_in), told)
        return self._script(idea, hook, beats, call_to_action)

    def _script(self, idea: Idea, hook: str, beats: list[str], call_to_action: str) -> Script:
        title = idea.topic[:1].upper() + idea.topic[1:].rstrip(".!?")
        tags = hashtags(idea)
        spoken_in = language(idea.language)
        return Script(
            item_id=idea.item_id,
            title=title[:100],
            hook=hook,
            beats=[Scene(narration=text, visual=visual_cue(text, spoken_in),
                         search_terms=search_terms(text, idea.topic, spoken_in)) for text in beats],
            call_to_action=call_to_action,
            description=f"{joined([hook, *beats[:1]])}\n\n{' '.join(tags)}",
            hashtags=tags,
            writer=self.name,
            style=style_for(idea.topic),
        )
