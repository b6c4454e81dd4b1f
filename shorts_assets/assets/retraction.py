"""Retraction, the compensation for publishing: take an item's posts down, keep its history.

The post ledger (`published_post/<item>/posts/<platform>.json`) is where a retraction is
remembered: each entry taken down gains `retracted_at`. A retry therefore deletes only what
is still up, and a later `published_post` run finds the entry and never uploads it again.
Records and materializations are left alone: Dagster keeps what was published and when.
"""

from datetime import UTC, datetime

from dagster import AssetExecutionContext, Config, Output, asset
from pydantic import Field

from .. import keys
from ..models import Post, PublishedPost, RetractedPost
from ..partitions import content_items
from ..providers import PermanentError, TransientError
from ..providers.channels import Platforms
from ..store import Store, StoreResource
from . import SERVICE_RETRY, service_call
from .post import published_post as published_post_asset


def enabled_platform(platforms: Platforms, name: str):
    """A post on a platform that is no longer configured cannot be deleted from here."""
    try:
        return platforms.get(name)
    except KeyError:
        raise PermanentError(f"{name} is not enabled (SHORTS_PLATFORMS): enable it to retract the post there, "
                             "or delete it by hand") from None


def retract_once(platforms: Platforms, item_id: str, post: Post, store: Store) -> datetime:
    """Delete one post unless the ledger says it is already down; mark the ledger the moment it is."""
    key = keys.post_ledger(published_post_asset.key, item_id, post.platform)
    entry = store.read_json(key) or post.model_dump(mode="json")
    if entry.get("retracted_at"):
        return datetime.fromisoformat(entry["retracted_at"])
    enabled_platform(platforms, post.platform).retract(post)
    when = datetime.now(UTC)
    store.put_json(key, {**entry, "retracted_at": when.isoformat()})
    return when


def retract_everywhere(platforms: Platforms, published: PublishedPost, store: Store) -> RetractedPost:
    """publish_everywhere's rule, turned round: every post is tried whatever happens to the others,
    and any transient failure makes the step worth retrying (the ledger keeps what is done).
    Permanent failures, such as a platform whose API cannot delete, are reported in the record."""
    retracted: list[tuple[Post, datetime]] = []
    failures: list[str] = []
    passing: list[Exception] = []
    for post in published.posts:
        try:
            retracted.append((post, retract_once(platforms, published.item_id, post, store)))
        except (PermanentError, ValueError) as error:
            failures.append(f"{post.platform}: {error}")
        except Exception as error:  # noqa: BLE001 - the other posts are still tried; retried below
            failures.append(f"{post.platform}: {error}")
            passing.append(error)
    if passing:
        waits = [e.retry_after for e in passing if isinstance(e, TransientError) and e.retry_after]
        raise TransientError("; ".join(failures), retry_after=max(waits) if waits else None)
    return RetractedPost(
        item_id=published.item_id,
        retracted=[post for post, _ in retracted],
        retracted_at=max((when for _, when in retracted), default=datetime.now(UTC)),
        failures=failures,
    )


class RetractConfig(Config):
    reason: str = Field(default="", description="Why the items are taken down, kept in their RetractedPost record "
                        "(a retraction the sheet asks for has none)")


@asset(partitions_def=content_items, group_name="distribution", pool="upload", retry_policy=SERVICE_RETRY)
def retracted_post(
    context: AssetExecutionContext,
    config: RetractConfig,
    published_post: PublishedPost,
    platforms: Platforms,
    store: StoreResource,
) -> Output[RetractedPost]:
    """The item taken down wherever the platform allows it; what could not be is left to a person."""
    with service_call():
        done = retract_everywhere(platforms, published_post, store.open())
    record = done.model_copy(update={"reason": " ".join(config.reason.split())})
    for failure in record.failures:
        context.log.warning(f"still up: {failure}")
    return Output(
        record,
        metadata={
            "retracted": ", ".join(p.platform for p in record.retracted),
            "still_up": len(record.failures),
            "failures": "\n".join(record.failures),
            "reason": record.reason,
        },
    )
