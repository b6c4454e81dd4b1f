"""The sheet sync: one sensor, one sheet read a tick, keeps every open row true to the state.

For each row of an item that is not settled, it carries out what the row asks for (publish an
approved video, or leave it to the publishing calendar when slots are set or the row pins a
time; retract a published item; resume a deferred one whose window reopened) and
otherwise derives the row's cells from what the instance and the store say now (the latest
run of the item and its failure, the records, the deferral, the post ledger). Only the cells
that changed are written, in one write. A write-back that was missed, or a tick that failed,
heals on the next tick: nothing here depends on seeing a run event.

With every row's status at hand, it also keeps the review queue up to date (review_queue.py).
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    ResourceParam,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from .. import keys, slots, versions
from ..assets.post import published_post
from ..assets.video import rendered_video
from ..deferrals import waiting
from ..keys import RowStatus
from ..policy import Policy
from ..providers import TransientError
from ..providers.sheets import Sheet, SheetRow
from ..rows import RowError
from ..store import Store, StoreResource
from .item_state import PARTITION_TAG, current_values, resume_plan
from .jobs import content_pipeline, produce_content, publish_content, retract_content
from .review_queue import tick as review_queue_tick

# Rows that change only when a person acts on them or the item runs again (from the UI, say):
# they are looked at in a tick after a run of their item, the other rows in every tick.
SETTLED = {RowStatus.AWAITING_REVIEW, RowStatus.PUBLISHED, RowStatus.RETRACTED, RowStatus.FAILED}
NOT_ITEMS = {RowStatus.NEW, RowStatus.PROPOSED, RowStatus.READY}
# Statuses the sync writes when it asks for a run: the row keeps them until that run shows up.
ASKED = {RowStatus.QUEUED, RowStatus.PUBLISHING, RowStatus.RETRACTING}
UPDATED_AT = "%Y-%m-%d %H:%M:%SZ"
OVERLAP_S = 30  # run storage keeps whole seconds (SQLite): look back a little past the last tick


def written_at(row: SheetRow) -> datetime | None:
    """When the factory last wrote the row (its `updated_at` cell), if it says."""
    try:
        return datetime.strptime(row.values.get("updated_at") or "", UPDATED_AT).replace(tzinfo=UTC)
    except ValueError:
        return None


def approval(row: SheetRow, item_id: str, store: Store) -> tuple[RunRequest | None, dict[str, str]]:
    """Publish an approved video once it exists (approved early, it waits for its video)."""
    if store.read_json(keys.record(rendered_video.key, item_id)) is None:
        return None, {}
    run_key = f"publish:{item_id}:{row.values.get('updated_at', '')}"
    return (RunRequest(job_name=publish_content.name, partition_key=item_id, run_key=run_key),
            {"status": RowStatus.PUBLISHING, "error": ""})


def scheduling(row: SheetRow, item_id: str, store: Store, policy: Policy) -> dict[str, str] | None:
    """The cells of an approved row the publishing calendar takes (slots are set, or the row pins a
    time): its time once the calendar gave it one, or why its publish_at cannot be read. None: the
    row publishes on approval."""
    try:
        pin = slots.pinned(row.values.get(slots.COLUMN), policy.channel_zone)
    except RowError as error:
        return {"error": str(error)}
    if not policy.publish_slots and pin is None:
        return None
    slot = store.read_json(keys.slot(item_id))
    return {"status": RowStatus.scheduled(slot["shown"]), "error": ""} if slot else {"error": ""}


def retraction(row: SheetRow, item_id: str, published: set[str]) -> tuple[RunRequest | None, dict[str, str]]:
    """Take a published item down; a row that asks for anything else gets told why not."""
    if not item_id:
        return None, {"status": RowStatus.rejected("retract needs the item_id of the item to take down")}
    if item_id not in published:
        return None, {"status": RowStatus.rejected(f"nothing to retract, item {item_id} was never published")}
    # Every write to the row stamps updated_at, so a row asking again gets a fresh run key.
    run_key = f"retract:{item_id}:{row.values.get('updated_at', '')}"
    return (RunRequest(job_name=retract_content.name, partition_key=item_id, run_key=run_key,
                       tags={"shorts/row": str(row.number)}),
            {"status": RowStatus.RETRACTING, "error": ""})


def resumption(item_id: str, store: Store, holds_videos: bool, now: datetime
               ) -> tuple[RunRequest | None, dict[str, str]]:
    """Resume a deferred item whose window has reopened."""
    deferral = waiting(store, item_id)
    if deferral is None or datetime.fromisoformat(deferral["until"]) > now:
        return None, {}
    request = resume_plan(item_id, deferral, store, holds_videos)
    status = RowStatus.PUBLISHING if request.job_name == publish_content.name else RowStatus.QUEUED
    return request, {"status": status, "error": ""}


def items_run_since(instance, since: float | None) -> set[str] | None:
    """The items with a run that started, ended or changed since `since` (a UNIX time), give or take
    OVERLAP_S; None, meaning every item, when there is no earlier tick to count from."""
    if since is None:
        return None
    after = datetime.fromtimestamp(since - OVERLAP_S, UTC)
    records = instance.get_run_records(filters=RunsFilter(updated_after=after))
    return {item for record in records if (item := record.dagster_run.tags.get(PARTITION_TAG))}


def may_be_stale(status: str, item_id: str, ran: set[str] | None) -> bool:
    """Whether a row of an item may no longer say what the state says: it is open, or its item ran."""
    if not item_id or status in NOT_ITEMS or RowStatus.REJECTED.opens(status):
        return False
    return status not in SETTLED or ran is None or item_id in ran


def versions_of(row: SheetRow) -> list[str]:
    """The languages of a row whose versions are under way; [] for a row of one item, or one not queued."""
    if row.status in NOT_ITEMS or RowStatus.REJECTED.opens(row.status):
        return []
    try:
        return versions.asked(row.values)
    except RowError:  # edited after it was queued: its versions keep the languages they were made in
        return []


def row_items(row: SheetRow) -> dict[str, str]:
    """Each item of a row (its language versions, or its own) and the status the row gives it."""
    item_id = (row.values.get("item_id") or "").strip()
    if not item_id:
        return {}
    codes = versions_of(row)
    return ({versions.key(item_id, code): status for code, status in versions.statuses(row, codes).items()}
            if codes else {item_id: row.status})


def read_cursor(cursor: str | None) -> dict:
    """The cursor the last tick kept: `since` (when it started, a UNIX time) and the review queue's
    state; a cursor from before the queue is the time alone."""
    if not cursor:
        return {}
    kept = json.loads(cursor)
    return kept if isinstance(kept, dict) else {"since": float(kept)}


def statuses_after(rows: list[SheetRow], updates: dict[int, dict[str, str]]) -> dict[str, str]:
    """Each item's status once this tick's updates are written."""
    return {item: status for row in rows
            for item, status in row_items(replace(row, values={**row.values, **updates.get(row.number, {})})).items()}


def changed(row: SheetRow, values: dict[str, str]) -> dict[str, str]:
    return {column: value for column, value in values.items() if (row.values.get(column) or "") != value}


@sensor(
    jobs=[content_pipeline, produce_content, publish_content, retract_content],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,
    description="Keeps every open sheet row true to what the instance and the store say, and runs what rows ask "
                "for: publish an approved video, retract a post, resume a deferred item. Materializes the "
                "review_queue when it changes.",
)
def sheet_sync(context: SensorEvaluationContext, sheet: ResourceParam[Sheet], store: StoreResource,
               policy: Policy):
    started = datetime.now(UTC).timestamp()
    try:
        rows = sheet.rows()
    except TransientError as error:  # the cursor stays: the next tick looks at the runs since the last good one
        return SkipReason(f"the content sheet did not answer ({error}); the next tick catches up")
    opened, now, cursor = store.open(), datetime.now(UTC), read_cursor(context.cursor)
    ran = items_run_since(context.instance, cursor.get("since"))
    published = functools.cache(lambda: set(context.instance.get_materialized_partitions(published_post.key)))

    def item_cells(row: SheetRow, status: str, item_id: str) -> tuple[RunRequest | None, dict[str, str]] | None:
        """The run one item's row asks for and the cells that say where the item is now; None when
        nothing can have changed."""
        request, values = None, {}
        if status == RowStatus.RETRACT:
            request, values = retraction(row, item_id, published())
        elif not may_be_stale(status, item_id, ran):
            return None
        elif status == RowStatus.APPROVED and opened.read_json(keys.record(published_post.key, item_id)) is None:
            values = scheduling(row, item_id, opened, policy)
            if values is None:
                request, values = approval(row, item_id, opened)
                if request is None:
                    return None
        elif status == RowStatus.DEFERRED:
            request, values = resumption(item_id, opened, policy.holds(row.values), now)
        if request is None and not values:
            asked_at = written_at(row) if status in ASKED else None
            values = current_values(context.instance, item_id, opened, policy.review_required,
                                    (status, asked_at) if asked_at else None)
        return request, values

    requests: list[RunRequest] = []
    updates: dict[int, dict[str, str]] = {}
    for row in rows:
        item_id = (row.values.get("item_id") or "").strip()
        codes = versions_of(row) if item_id else []
        if codes:  # each version's part of the row, as the cells of a row of its own would say
            said = versions.statuses(row, codes)
            found = {code: item_cells(row, status, versions.key(item_id, code)) for code, status in said.items()}
            if all(cells is None for cells in found.values()):
                continue
            requests += [cells[0] for cells in found.values() if cells and cells[0]]
            values = versions.summary(row, {code: (said[code], cells[1] if cells else {})
                                            for code, cells in found.items()})
        else:
            found_one = item_cells(row, row.status, item_id)
            if found_one is None:
                continue
            request, values = found_one
            requests += [request] if request else []
        if values := changed(row, values):
            updates[row.number] = values
    if updates:  # written before the tick commits: a failed write fails the tick, and the next one does it again
        sheet.update_rows(updates)
    shown, queue_cursor = review_queue_tick(statuses_after(rows, updates), policy.review_required, context.instance,
                                            opened, Path(store.cache_dir), cursor.get("review_queue", {}), now)
    kept = json.dumps({"since": started, "review_queue": queue_cursor})
    if updates:
        context.log.info(f"{len(updates)} rows brought up to date, {len(requests)} runs asked for")
    return SensorResult(run_requests=requests, cursor=kept, asset_events=[shown] if shown else [],
                        skip_reason=None if updates or requests else f"{len(rows)} rows, all up to date")
