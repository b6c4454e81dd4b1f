"""Every store key and every row status, defined once.

Store keys: an asset's record and media live in its folder, `<asset>/<content_item>/` (or
`<asset>/` when unpartitioned); the post ledger and each upload's progress sit inside
`published_post`'s folder; deferrals, quota ledgers and the caches of paid voices, images and videos have
folders of their own. Assets are named by their `AssetKey`, never by a string, so a rename cannot
leave a key behind.
"""

from __future__ import annotations

from enum import StrEnum

from dagster import AssetKey

RECORD_NAME = "record.json"
POSTS = "posts"


def asset_folder(asset: AssetKey, item: str | None = None) -> str:
    """`<asset>/<item>`, or `<asset>` for an unpartitioned asset."""
    return "/".join([*asset.path, item] if item else asset.path)


def record(asset: AssetKey, item: str | None = None) -> str:
    return f"{asset_folder(asset, item)}/{RECORD_NAME}"


def media(asset: AssetKey, item: str | None, name: str) -> str:
    return f"{asset_folder(asset, item)}/{name}"


def post_ledger(posts_asset: AssetKey, item: str, platform: str) -> str:
    """Where an item's post on one platform is recorded the moment the platform returns it."""
    return f"{asset_folder(posts_asset, item)}/{POSTS}/{platform}.json"


def upload_progress(posts_asset: AssetKey, item: str, platform: str) -> str:
    """An upload's resumable progress, beside its ledger entry."""
    return f"{asset_folder(posts_asset, item)}/{POSTS}/{platform}.progress.json"


def deferral(item: str) -> str:
    return f"deferrals/{item}.json"


def slot(item: str) -> str:
    """When an approved item goes out (its publishing slot or pinned time), once the calendar gives it one."""
    return f"calendar/{item}.json"


def quota(platform: str) -> str:
    return f"quota/{platform}.json"


def voice_cache(speech_hash: str, name: str) -> str:
    """A paid narration kept by the hash of its text and settings (`narration.wav`, `speech.json`)."""
    return f"cache/voice/{speech_hash}/{name}"


def image_cache(image_hash: str, name: str) -> str:
    """A paid still kept by the hash of its prompt, model and settings (`image.<png|jpg|webp>`, `image.json`)."""
    return f"cache/images/{image_hash}/{name}"


def video_cache(video_hash: str, name: str) -> str:
    """A paid clip kept by the hash of its prompt, model, ratio and length (`clip.mp4`, `clip.json`),
    beside the task that makes it (`task.json`)."""
    return f"cache/videos/{video_hash}/{name}"


class RowStatus(StrEnum):
    """What a content-sheet row's status cell says. The factory writes most of them; people write
    `approved`, `ready`, `retract` and `rejected: <why>`. Compared as plain strings."""

    NEW = ""
    PROPOSED = "proposed"
    READY = "ready"
    QUEUED = "queued"
    PRODUCING = "producing"
    RENDERED = "rendered"
    AWAITING_REVIEW = "awaiting review"
    APPROVED = "approved"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    RETRACT = "retract"
    RETRACTING = "retracting"
    RETRACTED = "retracted"
    DEFERRED = "deferred"
    FAILED = "failed"
    REJECTED = "rejected"
    SCHEDULED = "scheduled for"

    @classmethod
    def rejected(cls, reason: str) -> str:
        """The cell of a row that cannot be made, with why."""
        return f"{cls.REJECTED.value}: {reason}"

    @classmethod
    def scheduled(cls, when: str) -> str:
        """The cell of an approved item the calendar has given a time (in the channel's zone)."""
        return f"{cls.SCHEDULED.value} {when}"

    def opens(self, cell: str) -> bool:
        """Whether `cell` is this status, with or without what follows it (`rejected: <why>`)."""
        return cell.startswith(self.value)


# Anything past a reviewer's approval may publish (and an item the calendar scheduled).
APPROVED = (RowStatus.APPROVED, RowStatus.PUBLISHING, RowStatus.PUBLISHED)


def approved(status: str) -> bool:
    return status in APPROVED or RowStatus.SCHEDULED.opens(status)
