"""OpenAI image footage: one generated portrait still per scene, which the render brings to
life with a slow pan or zoom (ffmpeg's zoompan), so a scene moves like any other.

The motion comes from the scene seed (sha256 of item id and scene index), so a scene keeps
its motion across runs and neighbouring scenes usually differ. Title and call-to-action
cards get a picture too (the captions carry the words); the prompt asks for no lettering,
which image models draw badly. Every still of a video carries the script's style line
(`footage.generation_prompt`), so its scenes look like one video.

Each image is paid for once: it is kept in the store under the hash of its prompt, model and
settings (`keys.image_cache`), as the voice cache keeps narrations, so a retried or
rematerialized step draws only the scenes it has no picture for yet, and two scenes of one
step that ask for the same picture wait for one drawing.
"""

from __future__ import annotations

import base64
import binascii

from dagster import ConfigurableResource
from pydantic import Field

from .. import keys
from ..media.scenes import MOTIONS
from ..models import Cost, StillSource
from ..parallel import one_at_a_time
from ..store import StoreResource
from . import PermanentError
from .footage import ClipMade, ClipRequest, generation_prompt, scene_file, scene_seed
from .openai_errors import openai_client, openai_errors
from .paid_media import PaidMedia, identity_hash

IMAGE_KINDS = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg"}


def image_kind(data: bytes) -> str | None:
    """The image type (png, jpeg, webp) of the bytes, or None when they are none of those."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return next((kind for magic, kind in IMAGE_KINDS.items() if data.startswith(magic)), None)


def motion_for(item_id: str, index: int) -> str:
    return sorted(MOTIONS)[scene_seed(item_id, index) % len(MOTIONS)]


class OpenAIImageFootage(ConfigurableResource):
    """Footage from OpenAI's image API (or a compatible server), animated with a pan or zoom."""

    name: str = "openai-images"
    api_key: str = Field(description="OPENAI_API_KEY")
    base_url: str = Field(default="", description="OPENAI_BASE_URL; empty means the SDK's default")
    model: str = Field(default="gpt-image-1", description="SHORTS_OPENAI_IMAGE_MODEL")
    size: str = Field(default="1024x1536", description="portrait; the clip is cropped to 9:16 from it")
    quality: str = Field(default="medium", description="SHORTS_OPENAI_IMAGE_QUALITY; empty sends none")
    usd_per_image: float = Field(default=0.063, description="for the cost estimate (gpt-image-1, 1024x1536, medium)")
    max_retries: int = Field(default=2, description="the SDK's own retries before the step's RetryPolicy")
    timeout: float = Field(default=180.0, description="seconds per request; gpt-image-1 can take a minute")
    store: StoreResource = Field(description="where each paid image is kept (cache/images/), so it is paid once")

    def make_clip(self, request: ClipRequest) -> ClipMade:
        image, kind, paid = self._image(request)
        still = request.folder / f"image-{request.index:02d}.{kind}"
        still.parent.mkdir(parents=True, exist_ok=True)
        still.write_bytes(image)
        motion = motion_for(request.item_id, request.index)
        return ClipMade(
            picture=StillSource(media=scene_file(request, still, f"image/{kind}"), motion=motion),
            source=f"openai-images:{self.model} motion={motion}",
            cost=Cost(service="openai-images", units={"images": 1}, usd=self.usd_per_image) if paid else None,
        )

    def image_key(self, prompt: str) -> str:
        """Everything that changes the picture, hashed: the same key means the same paid image."""
        return identity_hash({"service": "openai-images", "model": self.model, "size": self.size,
                              "quality": self.quality, "prompt": prompt})

    def _image(self, request: ClipRequest) -> tuple[bytes, str, bool]:
        """The scene's picture, its file extension and whether it was paid for now (else it was kept)."""
        prompt = generation_prompt(request)
        key = self.image_key(prompt)
        images = PaidMedia(self.store.open(), keys.image_cache, "image")
        with one_at_a_time(key):
            if kept := images.kept(key):
                return kept[0], kept[1]["kind"], False
            image, kind = self._draw(request, prompt)
            images.keep(key, image, kind, f"image/{kind}", prompt=prompt)
            return image, kind, True

    def _draw(self, request: ClipRequest, prompt: str) -> tuple[bytes, str]:
        """The picture OpenAI draws for `prompt`, and its file extension; anything but a real image is an error."""
        options = {"quality": self.quality} if self.quality else {}
        if not self.model.startswith("gpt-image"):
            # dall-e answers with a URL unless asked; the gpt-image models always send base64
            # and reject the parameter.
            options["response_format"] = "b64_json"
        client = openai_client(self.api_key, self.base_url, self.max_retries, self.timeout)
        with openai_errors(f"draw scene {request.index} of {request.item_id}", self.api_key), client:
            result = client.images.generate(
                model=self.model, prompt=prompt, size=self.size, n=1,
                **options,
            )
        encoded = result.data[0].b64_json if result.data else None
        if not encoded:
            raise PermanentError(
                f"OpenAI model {self.model} sent no image data (b64_json) for scene {request.index} "
                f"of {request.item_id}: check that the server supports base64 image responses."
            )
        try:
            image = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            image = b""
        if (kind := image_kind(image)) is None:
            raise PermanentError(
                f"OpenAI model {self.model} sent a corrupt image for scene {request.index} of {request.item_id} "
                f"({len(image)} bytes that are not PNG, JPEG or WebP base64)."
            )
        return image, kind
