"""Retraction, the compensation for publishing: take an item's posts down, keep its history.

The post ledger (`published_post/<item>/posts/<platform>.json`) is where a retraction is
remembered: each entry taken down gains `retracted_at`. A retry therefore deletes only what
is still up, and a later `published_post` run finds the entry and never uploads it again.
Records and materializations are left alone: Dagster keeps what was published and when.
"""

from datetime import UTC, datetime

from dagster import (
    AssetExecutionContext,
    AssetKey,
    DefaultSensorStatus,
    Output,
    ResourceParam,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset,
    define_asset_job,
    in_process_executor,
    sensor,
)

from ..models import Post, PublishedPost, RetractedPost
from ..partitions import content_items
from ..providers import PermanentError, TransientError
from ..providers.channels import Platforms
from ..providers.sheets import Sheet, SheetRow
from ..store import Store, StoreResource
from . import SERVICE_RETRY, service_call

RETRACT = "retract"


def ledger_key(item_id: str, platform: str) -> str:
    """Where `publish_once` records an item's post on one platform."""
    return f"published_post/{item_id}/posts/{platform}.json"


def enabled_platform(platforms: Platforms, name: str):
    """A post on a platform that is no longer configured cannot be deleted from here."""
    try:
        return platforms.get(name)
    except KeyError:
        raise PermanentError(f"{name} is not enabled (SHORTS_PLATFORMS): enable it to retract the post there, "
                             "or delete it by hand") from None


def retract_once(platforms: Platforms, item_id: str, post: Post, store: Store) -> datetime:
    """Delete one post unless the ledger says it is already down; mark the ledger the moment it is."""
    key = ledger_key(item_id, post.platform)
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


@asset(partitions_def=content_items, group_name="distribution", pool="upload", retry_policy=SERVICE_RETRY)
def retracted_post(
    context: AssetExecutionContext,
    published_post: PublishedPost,
    platforms: Platforms,
    store: StoreResource,
) -> Output[RetractedPost]:
    """The item taken down wherever the platform allows it; what could not be is left to a person."""
    with service_call():
        record = retract_everywhere(platforms, published_post, store.open())
    for failure in record.failures:
        context.log.warning(f"still up: {failure}")
    return Output(
        record,
        metadata={
            "retracted": ", ".join(p.platform for p in record.retracted),
            "still_up": len(record.failures),
            "failures": "\n".join(record.failures),
        },
    )


# Retraction is never part of producing or publishing an item, hence a job of its own.
retract_content = define_asset_job(
    "retract_content",
    selection=[retracted_post],
    executor_def=in_process_executor,
    description="Take one content item's posts down; its history stays.",
)


def wants_retraction(row: SheetRow) -> bool:
    return row.status == RETRACT


def retraction_request(row: SheetRow, published: set[str]) -> tuple[RunRequest | None, dict[str, str]]:
    """A run for a row that asks to retract a published item, and what to write on the row."""
    item_id = (row.values.get("item_id") or "").strip()
    if not item_id:
        return None, {"status": "rejected: retract needs the item_id of the item to take down"}
    if item_id not in published:
        return None, {"status": f"rejected: nothing to retract, item {item_id} was never published"}
    # Every write to the row stamps updated_at, so a row asking again gets a fresh run key.
    run_key = f"retract:{item_id}:{row.values.get('updated_at', '')}"
    request = RunRequest(partition_key=item_id, run_key=run_key, tags={"shorts/row": str(row.number)})
    return request, {"status": "retracting", "error": ""}


@sensor(
    job=retract_content,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="Takes down the items whose sheet row says retract.",
)
def retraction_sensor(context: SensorEvaluationContext, sheet: ResourceParam[Sheet]):
    rows = [row for row in sheet.rows() if wants_retraction(row)]
    if not rows:
        return SkipReason("no row says retract")
    published = set(context.instance.get_materialized_partitions(AssetKey("published_post")))
    requests, updates = [], {}
    for row in rows:
        request, updates[row.number] = retraction_request(row, published)
        if request is not None:
            requests.append(request)
    # Written before the tick commits, as the content sheet sensor does: a failed write fails the tick.
    sheet.update_rows(updates)
    return SensorResult(run_requests=requests)
