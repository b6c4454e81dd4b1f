"""A reviewer's decision on the items selected in the web UI, written to their sheet rows.

The sheet stays the record: the decision becomes the item's status in its row (`approved`, or
`rejected: <why>`; a language version's own part of its row's status), which is what the review
gate in published_post reads. This step publishes nothing itself: the sheet sync turns an
approved row into a publish_content run within its tick, or hands it to the publishing calendar,
so there is one way to publish, and it keeps to the calendar, the run keys and the post ledger.
"""

import re
from datetime import UTC, datetime
from typing import Literal

from dagster import AssetExecutionContext, Config, Output, ResourceParam, asset
from pydantic import Field

from .. import keys, versions
from ..deferrals import waiting
from ..keys import RowStatus, approved
from ..models import ReviewDecision
from ..partitions import content_items
from ..providers.channels import Platforms
from ..providers.sheets import Sheet, SheetRow
from ..store import Store, StoreResource
from . import SERVICE_RETRY, permanent, service_call
from .post import published_post
from .retraction import retracted_post
from .video import rendered_video

MAX_REASON = 200
RETRACTION = (RowStatus.RETRACT, RowStatus.RETRACTING, RowStatus.RETRACTED)


class ReviewConfig(Config):
    decision: Literal["approve", "reject"] = Field(
        description="approve: the item is published (at its publishing slot when slots are set); "
                    "reject: it is never published, and its row says why")
    reason: str = Field(
        default="",
        description=f"Why, in at most {MAX_REASON} characters: required to reject (the row then says "
                    "`rejected: <reason>`), optional to approve")


def stated(reason: str) -> str:
    """The reason on one line, without the separator of a row's version parts (it would split the cell)."""
    return " ".join(re.sub(rf"\s*{versions.SEPARATOR.strip()}\s*", ", ", reason).split())


def posted_on(platforms: Platforms, item_id: str, store: Store) -> list[str]:
    """The platforms the item is already up on or scheduled at (their post ledger has an entry)."""
    return [platform.name for platform in platforms.enabled()
            if store.read_json(keys.post_ledger(published_post.key, item_id, platform.name)) is not None]


def decided(config: ReviewConfig, said: str, item_id: str, store: Store, platforms: Platforms) -> tuple[str, str]:
    """The item's status after the decision and what happens next, in words; a permanent failure for
    what cannot be decided. `said` is the item's status in its row now."""
    if said in RETRACTION or store.read_json(keys.record(retracted_post.key, item_id)) is not None:
        raise permanent(f"{item_id} is retracted (its row says {said!r}): a retracted item is never published "
                        "again, so there is nothing to decide")
    published = store.read_json(keys.record(published_post.key, item_id)) is not None
    if config.decision == "reject":
        if published:
            raise permanent(f"{item_id} is already published: retract it instead (launch retract_content "
                            "for it, or write `retract` in its row)")
        if posted := posted_on(platforms, item_id, store):
            raise permanent(f"{item_id} is already up or scheduled on {', '.join(posted)} (its row says "
                            f"{said!r}): let its publishing finish, then retract it")
        return RowStatus.rejected(stated(config.reason)), "it is not published"
    if published:
        return said, "it is already published: nothing to do"
    deferral = waiting(store, item_id)
    if deferral is not None and deferral["asset"] == published_post.key.to_user_string():
        return said, f"it is already approved; its publishing resumes by itself at {deferral['until']}"
    if deferral is not None:
        raise permanent(f"{item_id} is deferred until {deferral['until']} ({deferral['reason']}) and resumes by "
                        "itself then: approve it once its video awaits review")
    if approved(said):
        return said, f"it is already approved (its row says {said!r})"
    if store.read_json(keys.record(rendered_video.key, item_id)) is None:
        return RowStatus.APPROVED.value, "approved before its video exists: the sheet sync publishes it once it does"
    return RowStatus.APPROVED.value, ("the sheet sync publishes it within its tick (10 s), or hands it to "
                                      "the publishing calendar when slots are set or the row pins a time")


def status_cell(row: SheetRow, code: str | None, status: str) -> str:
    """The row's status cell with the item's status: the whole cell, or a version's own part of it."""
    if code is None:
        return status
    return versions.joined({**versions.statuses(row, versions.asked(row.values)), code: status})


@asset(partitions_def=content_items, group_name="review", retry_policy=SERVICE_RETRY)
def review_decision(
    context: AssetExecutionContext,
    config: ReviewConfig,
    sheet: ResourceParam[Sheet],
    store: StoreResource,
    platforms: Platforms,
) -> Output[ReviewDecision]:
    """A reviewer's approval or rejection of the item, written to its sheet row; on approval the sheet
    sync publishes it. Launch `review_content` over the selected items with the decision as config."""
    item_id, reason = context.partition_key, stated(config.reason)
    if config.decision == "reject" and not reason:
        raise permanent("a rejection needs a reason: give `reason` in the run config, so the row says why")
    if len(reason) > MAX_REASON:
        raise permanent(f"the reason is {len(reason)} characters long: say it in at most {MAX_REASON}")
    with service_call():
        found = versions.row_of(sheet.rows(), item_id)
    if found is None:
        raise permanent(f"no row of the content sheet holds item {item_id}: a decision is written to the item's "
                        "row, so give its row its item_id back first")
    row, code = found
    said = versions.status_of(row, code)
    status, then = decided(config, said, item_id, store.open(), platforms)
    if status != said:
        with service_call():
            sheet.update_rows({row.number: {"status": status_cell(row, code, status)}})
    context.log.info(f"{config.decision} {item_id}: its row said {said!r}, now {status!r}; {then}")
    record = ReviewDecision(item_id=item_id, decision=config.decision, reason=reason, decided_at=datetime.now(UTC),
                            previous_status=said, status=status)
    return Output(record, metadata={"decision": config.decision, "reason": reason, "previous_status": said,
                                    "status": status, "row": row.number, "next": then})
