"""Records passed between assets.

Every asset returns one of these pydantic models; the store keeps them as JSON. Media
travels as a `MediaFile` reference, never as bytes inside a record, and nothing here is
ever pickled: a record read from a shared bucket is data, not code.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ITEM_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")
MAX_VIDEO_SECONDS = 60.0
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
LINK = re.compile(r"://|\bwww\.", re.IGNORECASE)
MAX_SEARCH_TERMS = 3
MAX_SEARCH_TERM_CHARS = 40


class Record(BaseModel):
    """Base of every stored record: strict about unknown fields so typos fail loudly."""

    model_config = ConfigDict(extra="forbid")


class MediaFile(Record):
    """A media file an asset made. `path` is where it is on this machine right now.

    The store fills `key`, `sha256` and `bytes` when it uploads the file, and fills
    `path` with a local copy when a downstream asset loads the record. `path` never
    reaches the JSON: a record must not point at one machine's disk.
    """

    name: str = Field(description="file name inside the asset's store folder, e.g. video.mp4")
    mime: str
    key: str = ""
    sha256: str = ""
    bytes: int = 0
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.[a-z0-9]+", value) or ".." in value:
            raise ValueError(f"media name must be a plain file name with an extension: {value!r}")
        return value

    def local(self) -> Path:
        """The local file, or a clear error when the record was not loaded through the store."""
        if self.path is None or not Path(self.path).is_file():
            raise FileNotFoundError(f"media {self.key or self.name} has no local copy")
        return Path(self.path)


class Cost(Record):
    """What one call to a paid service used and about what it cost, for the asset's metadata."""

    service: str
    units: dict[str, float] = Field(description="what was billed, e.g. prompt_tokens, characters, images")
    usd: float = Field(ge=0, description="an estimate from the service's public prices")


class HookStyle(StrEnum):
    question = "question"
    bold_claim = "bold-claim"
    number = "number"
    story = "story"


class LanguageVersion(Record):
    """Where a language version of a row comes from (versions.py): the row's item and its language."""

    source_item: str = Field(description="the item id the row has without versions: its item_id cell")
    source_language: str = Field(description="the language the row's facts or script are written in")
    adapt: bool = Field(description="the writer adapts the row's text into this language; False when the "
                        "row gave this version's own script, or it is the row's own language")


class Idea(Record):
    """One validated sheet row: what to make, and where its row is."""

    item_id: str
    row: int = Field(ge=1, description="1-based data row in the content sheet when queued")
    topic: str
    category: str = "general"
    facts: list[str] = Field(default_factory=list)
    script: str = ""
    hook_style: HookStyle = HookStyle.question
    voice: str = Field(default="", description="the row's own voice; empty: the voice of its language")
    language: str = Field(default="en", description="a code languages.language() knows, e.g. es, hi, pt-br")
    target_seconds: int = Field(default=40, ge=10, le=60)
    music: str = "ambient"
    caption_preset: str = Field(default="", description="the row's caption look (caption_presets.py); empty: "
                                "the render's config or the default")
    media: list[str] = Field(default_factory=list, description="the row's own media, one link per scene")
    version: LanguageVersion | None = Field(default=None, description="set when the row asked for `languages`")

    @field_validator("item_id")
    @classmethod
    def _key(cls, value: str) -> str:
        if not ITEM_ID.match(value):
            raise ValueError(f"item id must be 3-64 characters of [a-z0-9-]: {value!r}")
        return value


def prompt_phrase(value: str, what: str, limit: int) -> str:
    """`value` on one line, checked as a phrase that goes into a search or a generator's prompt.

    It comes from a model or a sheet, so it is untrusted: a link or a control character has no
    place in a prompt, and a long text is not a phrase.
    """
    phrase = " ".join(value.split())
    if not phrase:
        raise ValueError(f"{what} is empty")
    if len(phrase) > limit:
        raise ValueError(f"{what} {phrase[:limit]!r}... is over {limit} characters: write a few words")
    if LINK.search(phrase):
        raise ValueError(f"{what} {phrase!r} holds a link: write what to show, not where it is")
    if any(unicodedata.category(ch) == "Cc" for ch in phrase):
        raise ValueError(f"{what} {phrase!r} holds a control character")
    return phrase


class VisualStyle(Record):
    """The one look every generated picture of a video shares, so its scenes look like one video."""

    palette: list[str] = Field(min_length=2, max_length=5, description='2-5 colours as "#rrggbb"')
    medium: str = Field(description='how the pictures are made, e.g. "35mm film photography"')
    era: str = Field(description='when they look made, e.g. "1970s"')

    @field_validator("palette")
    @classmethod
    def _hex_colours(cls, value: list[str]) -> list[str]:
        colours = [colour.strip().lower() for colour in value]
        for colour in colours:
            if not HEX_COLOUR.fullmatch(colour):
                raise ValueError(f"palette colour {colour[:20]!r} is not a #rrggbb hex colour, e.g. #1b3a4b")
        return colours

    @field_validator("medium", "era")
    @classmethod
    def _phrase(cls, value: str, info) -> str:
        return prompt_phrase(value, f"the style's {info.field_name}", 60)

    @property
    def line(self) -> str:
        """The style as one phrase of a prompt."""
        return f"{self.medium}, {self.era} look, colour palette {', '.join(self.palette)}"


class Scene(Record):
    """One spoken part of a video and the picture that goes under it."""

    narration: str
    visual: str = Field(description="what to show: a cue for the footage provider")
    search_terms: list[str] = Field(
        default_factory=list, max_length=MAX_SEARCH_TERMS,
        description="concrete, filmable things to search stock footage for, best first",
    )

    @field_validator("search_terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return [prompt_phrase(term, "search term", MAX_SEARCH_TERM_CHARS) for term in value]


class Script(Record):
    item_id: str
    title: str
    hook: str
    beats: list[Scene] = Field(min_length=1)
    call_to_action: str = ""
    description: str
    hashtags: list[str] = Field(default_factory=list)
    writer: str = Field(description="which writer made it")
    costs: list[Cost] = Field(default_factory=list)
    style: VisualStyle | None = Field(default=None, description="the look its generated pictures share")

    @property
    def scenes(self) -> list[Scene]:
        """Hook, beats, call to action: the order they are spoken and shown."""
        scenes = [Scene(narration=self.hook, visual=f"title card: {self.title}"), *self.beats]
        if self.call_to_action:
            scenes.append(
                Scene(narration=self.call_to_action, visual=f"call to action card: {self.call_to_action}")
            )
        return scenes

    @property
    def word_count(self) -> int:
        return sum(len(scene.narration.split()) for scene in self.scenes)


class WordTiming(Record):
    """A spoken word, when it is heard (seconds from the narration start), in which scene."""

    word: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    scene: int = Field(ge=0)


class Loudness(Record):
    """A narration's loudness, measured once so the render normalises it in the same pass.

    `input_*` are loudnorm's first-pass figures. `target_offset` is the extra gain (dB) that
    the render's peak limiter costs on this narration, found by measuring the limited voice;
    see media.probe.measure_loudness.
    """

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


class Narration(Record):
    item_id: str
    audio: MediaFile
    duration_s: float
    sample_rate: int
    words: list[WordTiming]
    scene_starts: list[float] = Field(description="when each scene's first word is heard")
    loudness: Loudness
    voice: str
    provider: str
    costs: list[Cost] = Field(default_factory=list)


class VideoSource(Record):
    """A video (stock, the row's own): looped when shorter than its scene, scaled to cover the
    frame and centre-cropped."""

    kind: Literal["video"] = "video"
    media: MediaFile


class StillSource(Record):
    """A still picture, scaled to cover the frame and moved by a slow pan or zoom over its scene."""

    kind: Literal["still"] = "still"
    media: MediaFile
    motion: str = Field(description="one of media.scenes.MOTIONS")


class ProceduralSource(Record):
    """A background ffmpeg draws at render time: the generator and the seed that fix its picture."""

    kind: Literal["procedural"] = "procedural"
    generator: str = Field(description="one of media.backgrounds.GENERATORS")
    seed: int


class CardSource(Record):
    """A text card ffmpeg draws at render time: the text in the language's fonts on a seeded gradient."""

    kind: Literal["card"] = "card"
    text: str
    language: str
    seed: int


SceneSource = Annotated[VideoSource | StillSource | ProceduralSource | CardSource, Field(discriminator="kind")]


class Candidate(Record):
    """A picture the relevance gate looked at for a scene, and what it made of it."""

    source: str = Field(description="how the picture is made, or where it came from")
    score: float | None = Field(default=None, ge=0, le=1, description="how well it shows the narration; "
                                "None: not judged (a procedural background or text card shows nothing to match)")
    reason: str = Field(default="", description="the vision model's reason, or why it was not judged")
    refused: str = Field(default="", description="why it was not taken; empty for the one taken")


class Clip(Record):
    """What one scene shows: the render builds its picture from `picture` in its one pass."""

    scene: int
    picture: SceneSource
    preview: MediaFile = Field(description="a small JPEG of the scene, drawn as the render draws it")
    source: str = Field(description="how the picture is made, or where it came from")
    credit: str = Field(default="", description="attribution the footage's licence asks for")
    relevance: float | None = Field(default=None, ge=0, le=1,
                                    description="the relevance gate's score of the picture; None: not judged")
    candidates: list[Candidate] = Field(default_factory=list,
                                        description="what the relevance gate looked at, in order, the taken one too")
    gate: str = Field(default="", description="what the relevance gate did for this scene, in words")


class Clips(Record):
    item_id: str
    clips: list[Clip]
    provider: str
    costs: list[Cost] = Field(default_factory=list)
    contact_sheet: MediaFile | None = Field(default=None, description="every scene's preview in one JPEG, in order")


class RenderedVideo(Record):
    item_id: str
    video: MediaFile
    thumbnail: MediaFile
    captions: MediaFile
    preview: MediaFile | None = Field(default=None, description="the thumbnail a few kilobytes small, for the web "
                                      "UI's review pages (None in records made before it)")
    frames: MediaFile | None = Field(default=None, description="a strip of frames from across the video, as small")
    duration_s: float
    width: int
    height: int
    fps: float
    render_seconds: float
    attributes: dict[str, str] = Field(description="what the item is made of, for analytics")


class Post(Record):
    platform: str
    post_id: str
    url: str
    published_at: datetime
    simulated: bool = False


class PublishedPost(Record):
    item_id: str
    posts: list[Post]


class RetractedPost(Record):
    """The compensation step: what was taken down, when, and what could not be."""

    item_id: str
    retracted: list[Post]
    retracted_at: datetime
    failures: list[str] = Field(default_factory=list)
    reason: str = Field(default="", description="why it was taken down, as the person who retracted it said")


class ReviewDecision(Record):
    """A reviewer's decision on one item, made in the web UI; its sheet row holds it (assets/review.py)."""

    item_id: str
    decision: Literal["approve", "reject"]
    reason: str = ""
    decided_at: datetime
    previous_status: str = Field(description="the item's status in its row before the decision")
    status: str = Field(description="the item's status in its row after it: unchanged when there was nothing "
                        "to decide (approving what is already published)")


class MetricsSnapshot(Record):
    platform: str
    post_id: str
    taken_at: datetime
    hours_since_post: float
    views: int
    likes: int
    comments: int
    avg_view_duration_s: float
    simulated: bool = False


class PostMetrics(Record):
    """Every snapshot taken of an item's posts, oldest first, so windows after posting compare."""

    item_id: str
    snapshots: list[MetricsSnapshot]
    comments: list[str] = Field(default_factory=list, description="the latest comments, all platforms")
    themes: list[str] = Field(default_factory=list, description="what the comments are about")


class ArmStats(Record):
    """What the strategy believes about one value of one attribute (e.g. hook_style=story)."""

    value: str
    n: int = Field(ge=0, description="items with this value that have metrics")
    mean: float = Field(description="posterior mean reward")
    sd: float = Field(ge=0, description="posterior standard deviation: the uncertainty")
    p_best: float = Field(ge=0, le=1, description="share of Thompson draws in which this value wins")


class AttributeBelief(Record):
    attribute: str
    arms: list[ArmStats]
    best: str


class ContentStrategy(Record):
    """What to make next and why: a Thompson-sampling bandit per attribute, plus comment themes."""

    items: int = Field(description="items with metrics the strategy learned from")
    reward: str = Field(description="how a post's reward is computed, in words")
    attributes: list[AttributeBelief]
    themes: list[str] = Field(default_factory=list, description="what commenters talk about")
    hints: str = Field(default="", description="advice for the writer, in words")
    seed: int = 0
    posting_hours: list[int] = Field(default_factory=list, description="hours of the day (channel time zone) "
                                     "the auto publishing slots use, best first")


class ProposedIdea(Record):
    topic: str
    category: str
    facts: list[str]
    hook_style: HookStyle
    target_seconds: int
    voice: str = ""
    music: str = "ambient"
    explore: bool = Field(description="drawn to learn (uncertain) rather than to exploit (known good)")
    reason: str


class IdeaProposals(Record):
    proposals: list[ProposedIdea]
    rows: list[int] = Field(default_factory=list, description="the sheet rows they were appended as")


class ChannelAnalytics(Record):
    """One row per item: its attributes and its metrics at each window after posting."""

    items: int
    table: MediaFile = Field(description="the table as CSV")
    totals: dict[str, float] = Field(default_factory=dict)
    themes: list[str] = Field(default_factory=list, description="what commenters talk about, channel-wide")


RECORD_TYPES: dict[str, type[Record]] = {
    cls.__name__: cls
    for cls in (Idea, Script, Narration, Clips, RenderedVideo, PublishedPost, RetractedPost, ReviewDecision,
                PostMetrics, ChannelAnalytics, ContentStrategy, IdeaProposals)
}
