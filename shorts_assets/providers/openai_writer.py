"""The OpenAI writer: a script from a chat model with structured output.

It speaks chat completions with a JSON-schema `response_format`, the part of the API that
OpenAI-compatible servers (vLLM, Ollama, LM Studio, llama.cpp) support best, so pointing
OPENAI_BASE_URL at one of them needs no code change. The reply is parsed into `ScriptDraft`
by the SDK and mapped onto the project's `Script`.
"""

from __future__ import annotations

import openai
import pydantic
from dagster import ConfigurableResource
from pydantic import BaseModel, Field

from ..models import Cost, HookStyle, Idea, Scene, Script
from . import PermanentError, TransientError
from .openai_errors import openai_errors
from .writers import WORDS_PER_SECOND


class BeatDraft(BaseModel):
    narration: str = Field(description="what the narrator says in this beat, one or two short sentences")
    visual_prompt: str = Field(
        description="one still image to show under the beat, described for an image generator: "
        "subject, setting, light, camera; no text, letters or logos in the picture"
    )


# The SDK sends ScriptDraft as a strict JSON schema; docstrings and descriptions reach the model.
class ScriptDraft(BaseModel):
    """A script for one short vertical video."""

    title: str = Field(description="the video title, at most 70 characters")
    hook: str = Field(description="the first spoken line, which must stop the scroll")
    beats: list[BeatDraft] = Field(description="the body of the video, in spoken order")
    description: str = Field(description="the post description, two or three sentences")
    hashtags: list[str] = Field(description="three to six hashtags, each starting with #")
    call_to_action: str = Field(description="the last spoken line, asking viewers to follow or comment")


HOOK_STYLES = {
    HookStyle.question: "open with a question the viewer wants answered",
    HookStyle.bold_claim: "open with a bold, surprising claim",
    HookStyle.number: "open with a number, e.g. 'N facts about X in S seconds'",
    HookStyle.story: "open like a story: a moment, a person or a place",
}

SYSTEM_PROMPT = (
    "You write scripts for vertical short videos (YouTube Shorts, TikTok, Reels) read aloud by a narrator. "
    "Narration is plain spoken text: no stage directions, emoji, hashtags or markdown. "
    "Keep to the facts you are given; never invent numbers, names or quotes. "
    "Each beat gets a visual prompt for an AI image generator, concrete and vertical (9:16)."
)


def user_prompt(idea: Idea, hints: str) -> str:
    """What to write: the row's topic, facts or own script, style, length and language."""
    budget = int(idea.target_seconds * WORDS_PER_SECOND)
    lines = [
        f"Topic: {idea.topic}",
        f"Category: {idea.category}",
        f"Language: write everything in the language with code '{idea.language}'.",
        f"Length: about {idea.target_seconds} seconds spoken, so at most {budget} words of narration "
        "in total (hook, beats and call to action together).",
        f"Hook style: {HOOK_STYLES[idea.hook_style]}.",
    ]
    if idea.script:
        lines += ["Own script (keep its wording; split it into hook and beats):", idea.script]
    if idea.facts:
        lines += ["Facts to use:", *(f"- {fact}" for fact in idea.facts)]
    if hints:
        lines += ["Advice from how earlier videos on this channel performed:", hints]
    return "\n".join(lines)


def tag(text: str) -> str:
    return "#" + "".join(text.lstrip("#").split())


class OpenAIWriter(ConfigurableResource):
    """Writes the script with an OpenAI (or OpenAI-compatible) chat model."""

    name: str = "openai"
    api_key: str = Field(description="OPENAI_API_KEY")
    base_url: str = Field(default="", description="OPENAI_BASE_URL; empty means the SDK's default")
    model: str = Field(default="gpt-4o-mini", description="SHORTS_OPENAI_MODEL")
    usd_per_1m_input_tokens: float = Field(default=0.15, description="for the cost estimate (gpt-4o-mini)")
    usd_per_1m_output_tokens: float = Field(default=0.60, description="for the cost estimate (gpt-4o-mini)")
    max_retries: int = Field(default=2, description="the SDK's own retries before the step's RetryPolicy")
    timeout: float = Field(default=60.0, description="seconds per request")

    def write(self, idea: Idea, hints: str = "") -> Script:
        client = openai.OpenAI(
            api_key=self.api_key, base_url=self.base_url or None, max_retries=self.max_retries, timeout=self.timeout
        )
        with openai_errors(f"write the script for {idea.item_id}"):
            try:
                completion = client.chat.completions.parse(
                    model=self.model,
                    messages=[
                        {"role": "system", "content": SYSTEM_PROMPT},
                        {"role": "user", "content": user_prompt(idea, hints)},
                    ],
                    response_format=ScriptDraft,
                )
            except pydantic.ValidationError as error:
                raise self._unusable(idea, error) from error
        message = completion.choices[0].message
        if message.refusal:
            raise PermanentError(
                f"OpenAI refused to write the script for {idea.item_id}: {message.refusal[:300]} "
                "Reword the row's topic or facts."
            )
        if message.parsed is None:
            raise self._unusable(idea, "the reply had no content")
        try:
            return self._script(idea, message.parsed, self._cost(completion.usage))
        except pydantic.ValidationError as error:
            raise self._unusable(idea, error) from error

    def _script(self, idea: Idea, draft: ScriptDraft, cost: Cost) -> Script:
        return Script(
            item_id=idea.item_id,
            title=draft.title.strip()[:100],
            hook=draft.hook.strip(),
            beats=[Scene(narration=b.narration.strip(), visual=b.visual_prompt.strip()) for b in draft.beats],
            call_to_action=draft.call_to_action.strip(),
            description=draft.description.strip(),
            hashtags=list(dict.fromkeys(tag(t) for t in draft.hashtags if t.strip("# "))),
            writer=f"{self.name}:{self.model}",
            costs=[cost],
        )

    def _cost(self, usage) -> Cost:
        prompt, completion = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        usd = (prompt * self.usd_per_1m_input_tokens + completion * self.usd_per_1m_output_tokens) / 1e6
        return Cost(
            service="openai", units={"prompt_tokens": prompt, "completion_tokens": completion}, usd=round(usd, 6)
        )

    def _unusable(self, idea: Idea, why) -> TransientError:
        """A reply that does not fit the schema: models vary, so another try may well fit."""
        return TransientError(
            f"OpenAI model {self.model} wrote an unusable script for {idea.item_id} ({str(why)[:300]}); "
            "if this repeats, the server may not support structured output (json_schema)."
        )
