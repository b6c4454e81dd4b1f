"""Intake: rows added to the content sheet become content items (a partition and a run each)."""

from __future__ import annotations

import json

from dagster import (
    DefaultSensorStatus,
    ResourceParam,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from .. import slots
from ..assets.idea import idea as idea_asset
from ..keys import RowStatus
from ..languages import language
from ..partitions import content_items
from ..policy import Policy
from ..providers import PermanentError, TransientError
from ..providers.sheets import Sheet
from ..providers.voices import Voice
from ..rows import RowError, is_blank
from ..versions import ideas_from_row, queued
from .jobs import content_pipeline, produce_content, production_job


def known_items(instance) -> set[str]:
    """Keys in use now or ever materialized: a deleted key keeps its history, so never reuse it."""
    return set(instance.get_dynamic_partitions(content_items.name)) | set(
        instance.get_materialized_partitions(idea_asset.key)
    )


def to_read(sheet: Sheet, cursor: dict) -> list:
    """Rows past the cursor, and earlier proposals still waiting for a person to say `ready`.

    Rows before both are never fetched (Google) or turned into records (CSV).
    """
    pending = set(cursor.get("pending", []))
    rows = sheet.rows(after=min([cursor["rows"], *(number - 1 for number in pending)]))
    return [row for row in rows if row.number > cursor["rows"] or row.number in pending]


@sensor(
    jobs=[content_pipeline, produce_content],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,
    description="Reads rows added to the content sheet since the last tick; queues the good ones.",
)
def content_sheet_sensor(context: SensorEvaluationContext, sheet: ResourceParam[Sheet], policy: Policy,
                         voice: ResourceParam[Voice]):
    cursor = json.loads(context.cursor) if context.cursor else {"rows": 0}
    try:
        rows = to_read(sheet, cursor)
    except TransientError as error:  # the cursor stays: the next tick reads the same rows
        return SkipReason(f"the content sheet did not answer ({error}); the next tick catches up")
    if not rows:
        return SkipReason(f"no rows after row {cursor['rows']}")
    held = policy.budget_held(context.instance)
    if held is not None:
        return SkipReason(f"new rows wait: {held}")  # the cursor stays, so they are read again
    known: set[str] | None = None
    added: dict[str, None] = {}  # ordered, and quick to look up in a tick of thousands
    requests: list[RunRequest] = []
    updates: dict[int, dict[str, str]] = {}
    pending: list[int] = []
    looked_at: set[int] = set()
    for row in rows:
        if len(updates) >= policy.rows_per_tick:
            break  # the rest next tick: the cursor stops at the last row looked at
        looked_at.add(row.number)
        if row.status == RowStatus.PROPOSED:
            pending.append(row.number)  # a proposal waits until someone marks it ready
            continue
        if is_blank(row.values) or row.status not in (RowStatus.NEW, RowStatus.READY):
            continue
        known = known_items(context.instance) if known is None else known
        try:
            ideas = ideas_from_row(dict(row.values), row.number, policy.media_allowance, policy.writer_adapts)
            taken = next((idea.item_id for idea in ideas if idea.item_id in known or idea.item_id in added), None)
            if taken is not None:
                raise RowError(f"duplicate of item {taken}")
            for idea in ideas:  # the selected voice speaks every version's language
                voice.voice_for(idea.voice, language(idea.language))
            slots.pinned(row.values.get(slots.COLUMN), policy.channel_zone)  # a publish_at it can read, if any
        except (RowError, PermanentError) as error:
            updates[row.number] = {"status": RowStatus.rejected(str(error))}
            context.log.info(f"row {row.number} rejected: {error}")
            continue
        except Exception as error:  # a bug of ours on one odd row must not stop every row after it
            updates[row.number] = {"status": RowStatus.rejected(
                f"the factory could not check this row ({type(error).__name__}: {str(error)[:200]})")}
            context.log.exception(f"row {row.number} could not be checked")
            continue
        job = production_job(policy.holds(row.values))
        for idea in ideas:  # one, or a version per language the row asks for
            added[idea.item_id] = None
            requests.append(RunRequest(job_name=job.name, partition_key=idea.item_id, run_key=idea.item_id,
                                       tags={"shorts/row": str(row.number)}))
        updates[row.number] = queued(ideas)
    # The sheet is written before the tick commits: if this raises, the tick fails, the
    # cursor stays, and the same rows are read again next tick.
    sheet.update_rows(updates)
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[content_items.build_add_request(list(added))] if added else [],
        cursor=json.dumps({
            "rows": max([cursor["rows"], *looked_at]),
            "pending": sorted(pending + [n for n in cursor.get("pending", []) if n not in looked_at]),
        }),
    )
