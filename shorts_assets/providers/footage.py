"""Footage: the picture under each scene. The role: what a provider is asked for and answers.

`Footage` decides one scene's picture from a `ClipRequest`: its source (a file it fetched or
made, or a procedural recipe) and how to fit it; the render draws it, so no provider encodes
video. `NoFootage` says "nothing here, try the next one". The implementations:
`procedural_footage` (the offline default), `openai_footage`, `runway_footage`, `stock_footage`
(Pexels and the row's own media); `footage_chain` tries those SHORTS_FOOTAGE names in order. Every
implementation seeds its choices with `scene_seed` and treats a `card_text` visual (a title
or call-to-action card) the same way; every generator asks for `generation_prompt`, which
carries the script's style so the scenes of one video share a look. A provider with several
pictures for a scene (a stock search's results) also offers them one by one (`candidates`), so
the relevance gate can ask for the next one when it refuses a picture (`offered` reads either kind).
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from shorts_assets import models
from shorts_assets.media.format import PRODUCTION, OutputFormat

CARD_PREFIXES = ("title card:", "call to action card:")
# "cinematic" only when the script gives no look of its own (a scripted medium would clash with it)
FRAMING = "Vertical 9:16 picture, {look}rich detail. No text, letters, captions or logos anywhere in the image."


@dataclass(frozen=True)
class ClipRequest:
    """One scene's picture to decide, for the format `fmt`; a file the provider makes goes in `folder`."""

    item_id: str
    index: int
    scene: models.Scene
    folder: Path
    media: str = ""  # the row's own media for this scene (a local path or URL), if it gave one
    topic: str = ""  # what the whole video is about, for providers that search or generate
    language: str = "en"  # the row's language: what a card's text is drawn and shaped as
    fmt: OutputFormat = PRODUCTION
    style: models.VisualStyle | None = None  # the look every generated picture of the video shares


@dataclass(frozen=True)
class ClipMade:
    picture: models.SceneSource  # what the render draws the scene from, and how it fits it
    source: str  # how it is made or where it came from
    credit: str = ""  # attribution the footage's licence asks for
    cost: models.Cost | None = None


class NoFootage(LookupError):
    """This provider has nothing for this scene; the next one listed is tried."""


@runtime_checkable
class Footage(Protocol):
    """Makes the picture for one scene."""

    name: str

    def make_clip(self, request: ClipRequest) -> ClipMade: ...


def offered(footage: Footage, request: ClipRequest) -> Iterator[ClipMade]:
    """The pictures `footage` offers for the scene, its best first: its `candidates(request)` when
    it has several, else its one `make_clip`. NoFootage when it has none."""
    several = getattr(footage, "candidates", None)
    if several is None:
        yield footage.make_clip(request)
    else:
        yield from several(request)


def scene_file(request: ClipRequest, path: Path, mime: str) -> models.MediaFile:
    """A file a scene's picture is drawn from, named for the store: scene-NN.<extension of its type>."""
    extension = mimetypes.guess_extension(mime) or Path(path).suffix.lower() or ".bin"
    return models.MediaFile(name=f"scene-{request.index:02d}{extension}", mime=mime, path=Path(path))


def scene_seed(item_id: str, index: int) -> int:
    """A 32-bit seed from (item id, scene index), stable across processes and machines: sha256,
    never Python's `hash()` (salted per process)."""
    digest = hashlib.sha256(f"{item_id}\x00{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def card_text(visual: str) -> str | None:
    """The text of a "title card: ..." / "call to action card: ..." visual, else None."""
    lowered = visual.lstrip().lower()
    for prefix in CARD_PREFIXES:
        if lowered.startswith(prefix):
            return visual.lstrip()[len(prefix):].strip()
    return None


def generation_prompt(request: ClipRequest) -> str:
    """What a generator draws for the scene: its visual cue (a card's text as a cover), topic, the video's
    look, and the framing every generated picture or clip shares."""
    text = card_text(request.scene.visual)
    cover = f"An eye-catching cover picture for a short video: {text}"
    subject = request.scene.visual.strip() if text is None else cover
    about = f" The video is about {request.topic}." if request.topic else ""
    look = f" Look: {request.style.line}." if request.style else ""
    return f"{subject}.{about}{look} {FRAMING.format(look='' if request.style else 'cinematic, ')}"
