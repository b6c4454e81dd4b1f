"""The publishing calendar: one sensor gives approved items their times and publishes each at its time.

Why one sensor rather than a schedule per slot: `auto` slots follow the strategy, which changes
while the code location runs; a row's pinned `publish_at` is no cron; and a sensor that keeps
when it last looked (its cursor) sees the slots that passed while the daemon was down, so it
publishes one item for them rather than a burst (Dagster's scheduler catches up tick by tick).

Each tick:
1. approved rows whose video exists and that are not published join the queue in approval order:
   when this sensor first saw them approved (rows first seen in the same tick, in sheet order).
   A row's `publish_at` pins it to that time instead, ahead of the queue.
2. an item whose time has come gets its publishing run (run key `slot:<item>:<time>`, so once).
3. while no queued item holds a coming slot, the first in line gets the next slot (one no pinned
   item took), and a run that uploads it ahead to the platforms that schedule (YouTube, which
   makes it public at the slot; run key `ahead:<item>:<time>`).
Only the next slot is given out: the queue may change (a pin, a retraction, a late approval) until
an item's turn, and nothing already on YouTube has to be rescheduled.

The queue is shown as the `publishing_queue` asset, materialized by the sensor (no run) whenever
it changes: its page keeps every version of the queue with the time each was made, which a
sensor tick's text neither keeps nor has room for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dagster import (
    AssetMaterialization,
    AssetSpec,
    DefaultSensorStatus,
    MetadataValue,
    ResourceParam,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from .. import keys, slots
from ..assets.post import published_post
from ..assets.retraction import retracted_post
from ..assets.strategy import content_strategy
from ..assets.video import rendered_video
from ..keys import RowStatus
from ..policy import Policy
from ..providers import TransientError
from ..providers.channels import Platforms
from ..providers.platforms import schedules_ahead
from ..providers.sheets import Sheet, SheetRow
from ..rows import RowError
from ..store import Store, StoreResource
from . import digest
from .jobs import publish_content
from .sheet_sync import row_items

publishing_queue = AssetSpec(
    "publishing_queue", group_name="distribution",
    description="What goes out when: the items the publishing calendar holds, in order, with their times "
                "(SHORTS_PUBLISH_SLOTS, a row's publish_at). Materialized by the publishing_slots sensor.")
# Rows in these states are in the calendar once it gave them a time; `approved` ones join it.
HELD = (RowStatus.APPROVED, RowStatus.PUBLISHING, RowStatus.DEFERRED)
LATE_AFTER = timedelta(minutes=5)  # a due item published later than this says it is late


@dataclass
class Member:
    """An approved item the calendar holds: its time (`entry`, once given) or its pin."""

    item_id: str
    row: int
    entry: dict | None
    pin: datetime | None = None

    @property
    def at(self) -> datetime | None:
        return datetime.fromisoformat(self.entry["at"]) if self.entry else None


@dataclass
class Tick:
    """What one evaluation decided: runs, what it says, the queue to show and the cursor to keep."""

    requests: list[RunRequest] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    queue: list[tuple[str, str, str]] = field(default_factory=list)  # item, when, why
    cursor: dict = field(default_factory=dict)


def members(rows: list[SheetRow], store: Store, policy: Policy) -> list[Member]:
    """The approved items with a video, not yet published, that the calendar holds or takes now:
    with slots set, every one; without, those that pin a time. Without review (SHORTS_REVIEW=auto)
    a rendered video counts as approved. A bad pin waits (the sheet sync writes why to its row)."""
    found = []
    for row in rows:
        try:
            pin = slots.pinned(row.values.get(slots.COLUMN), policy.channel_zone)
        except RowError:
            continue
        for item_id, status in row_items(row).items():
            takes = status == RowStatus.APPROVED or (status == RowStatus.RENDERED and not policy.review_required)
            scheduled = RowStatus.SCHEDULED.opens(status)
            if not (takes or status in HELD or scheduled) or not (policy.publish_slots or pin or scheduled):
                continue  # the sheet sync publishes it on approval: no store read
            if (store.read_json(keys.record(published_post.key, item_id)) is not None
                    or store.read_json(keys.record(retracted_post.key, item_id)) is not None
                    or store.read_json(keys.record(rendered_video.key, item_id)) is None):
                continue
            entry = store.read_json(keys.slot(item_id))
            if entry is not None or takes:
                found.append(Member(item_id, row.number, entry, pin))
    return found


def slot_crons(store: Store, setting: list[str]) -> tuple[list[str], str]:
    """The crons the slots follow now: the setting's, or for `auto` the latest strategy's hours."""
    if not slots.is_auto(setting):
        return slots.crons_for(setting, None)
    strategy = store.read_json(keys.record(content_strategy.key))
    hours = strategy["record"].get("posting_hours", []) if strategy else None
    return slots.crons_for(setting, hours)


def give(store: Store, member: Member, at: datetime, zone: ZoneInfo, pinned: bool, approved_at: str,
         now: datetime) -> None:
    member.entry = {"at": at.astimezone(UTC).isoformat(), "shown": slots.shown(at, zone), "pinned": pinned,
                    "approved_at": approved_at, "given_at": now.isoformat(), "row": member.row}
    store.put_json(keys.slot(member.item_id), member.entry)


def note(store: Store, member: Member, **values) -> None:
    member.entry = {**member.entry, **values}
    store.put_json(keys.slot(member.item_id), member.entry)


def evaluate(rows: list[SheetRow], store: Store, policy: Policy, ahead: list[str], cursor: dict,
             now: datetime) -> Tick:
    """One evaluation at `now` (the tests pass a frozen clock). `ahead` names the enabled platforms
    that schedule an upload (YouTube); `cursor` is what the last evaluation kept."""
    zone, tick = policy.channel_zone, Tick()
    last = datetime.fromisoformat(cursor["evaluated_at"]) if cursor.get("evaluated_at") else None
    crons, how = slot_crons(store, policy.publish_slots) if policy.publish_slots else ([], "")
    passed = slots.passed(crons, zone, last, now) if crons and last else []
    queue = members(rows, store, policy)
    seen = dict(cursor.get("waiting", []))  # item -> when it was first seen approved, in approval order
    waiting = {m.item_id: m for m in queue if m.entry is None and m.pin is None}
    order = [item for item in seen if item in waiting] + [item for item in waiting if item not in seen]
    approved_at = {item: seen.get(item, now.isoformat()) for item in order}

    for member in queue:  # 1. a pin is the item's time
        if member.entry is None and member.pin is not None:
            give(store, member, member.pin, zone, True, now.isoformat(), now)
            tick.said.append(f"{member.item_id} is pinned to {member.entry['shown']} (its row's publish_at)")

    due = [m for m in queue if m.entry and m.at <= now and not m.entry.get("due")]
    if passed and not any(not m.entry["pinned"] for m in due):  # a slot passed that no item held
        if order:  # approved since the last look: the first in line takes it, now
            first = waiting[order.pop(0)]
            give(store, first, passed[-1], zone, False, approved_at[first.item_id], now)
            due.append(first)
        else:
            tick.said.append(f"the slot at {slots.shown(passed[-1], zone)} had nothing approved to publish")
    missed = f"{len(passed)} slots passed since the last look at {slots.shown(last, zone)}" if len(passed) > 1 else ""
    for member in due:  # 2. the time has come
        pinned_past = member.entry["pinned"] and member.entry["given_at"] == now.isoformat()  # a pin already past
        if now - member.at > LATE_AFTER and not pinned_past:
            why = missed or "the factory was not running then"
            note(store, member, late=f"published late: it was due at {member.entry['shown']} and went out at "
                                     f"{slots.shown(now, zone)} ({why})"
                                     + ("" if member.entry["pinned"] else "; missed slots get one item, not one each"))
        note(store, member, due=now.isoformat())
        tick.requests.append(RunRequest(job_name=publish_content.name, partition_key=member.item_id,
                                        run_key=f"slot:{member.item_id}:{member.entry['at']}",
                                        tags={"shorts/slot": member.entry["at"]}))
        tick.said.append(member.entry.get("late") or f"{member.item_id} goes out now, at its time "
                                                     f"{member.entry['shown']}")
    if missed:
        tick.said.append(f"{missed} (the daemon was down?): "
                         + ("one item goes out for them now, not one per slot; the rest of the queue keeps its turn"
                            if any(not m.entry["pinned"] for m in due) else "no queued item held them"))

    holding = [m for m in queue if m.entry and not m.entry["pinned"] and m.at > now]
    if crons and order and not holding:  # 3. the next slot goes to the first in line
        taken = {m.at for m in queue if m.entry and m.entry["pinned"]}
        first = waiting[order.pop(0)]
        give(store, first, slots.next_slot(crons, zone, now, taken), zone, False, approved_at[first.item_id], now)
        tick.said.append(f"{first.item_id} has the next slot, {first.entry['shown']} ({how})")
    for member in queue:
        if member.entry and member.at > now and ahead and not member.entry.get("ahead"):
            note(store, member, ahead=now.isoformat())
            tick.requests.append(RunRequest(job_name=publish_content.name, partition_key=member.item_id,
                                            run_key=f"ahead:{member.item_id}:{member.entry['at']}",
                                            tags={"shorts/slot": member.entry["at"]}))
            tick.said.append(f"{member.item_id} is uploaded ahead to {', '.join(ahead)}, public at "
                             f"{member.entry['shown']}")

    timed = sorted((m for m in queue if m.entry and m.at > now), key=lambda m: m.at)
    tick.queue = [(m.item_id, m.entry["shown"], "pinned" if m.entry["pinned"] else "slot") for m in timed]
    tick.queue += [(item, "a later slot", f"approved {slots.shown(datetime.fromisoformat(approved_at[item]), zone)}")
                   for item in order]
    if crons:
        given = max([now, *(m.at for m in timed if not m.entry["pinned"])])
        free = slots.next_slot(crons, zone, given, {m.at for m in timed if m.entry["pinned"]})
        tick.queue.append(("", slots.shown(free, zone), f"the next free slot ({how})"))
    tick.cursor = {"evaluated_at": now.isoformat(), "waiting": [[item, approved_at[item]] for item in order],
                   "shown": digest(tick.queue)}
    return tick


def idle(queue: list[tuple[str, str, str]]) -> str:
    """Why a tick that changed nothing asked for no run."""
    timed = [(item, when) for item, when, why in queue if item and when != "a later slot"]
    if timed:
        return f"nothing is due: {timed[0][0]} goes out next, at {timed[0][1]}"
    if queue:
        return f"nothing is waiting; {queue[-1][2]} is at {queue[-1][1]}"
    return "no publishing slots are set (approved items publish on approval) and no approved row pins a publish_at"


def table(queue: list[tuple[str, str, str]]) -> str:
    lines = ["| # | item | when | why |", "|---|---|---|---|"]
    lines += [f"| {n} | {item or '-'} | {when} | {why} |" for n, (item, when, why) in enumerate(queue, start=1)]
    return "\n".join(lines)


@sensor(
    jobs=[publish_content],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="The publishing calendar (SHORTS_PUBLISH_SLOTS, a row's publish_at): gives approved items "
                "their times in approval order and publishes each at its time, one item a slot.",
)
def publishing_slots(context: SensorEvaluationContext, sheet: ResourceParam[Sheet], store: StoreResource,
                     policy: Policy, platforms: Platforms):
    try:
        rows = sheet.rows()
    except TransientError as error:
        return SensorResult(skip_reason=f"the content sheet did not answer ({error}); the next tick catches up")
    cursor = json.loads(context.cursor) if context.cursor else {}
    ahead = [platform.name for platform in platforms.enabled() if schedules_ahead(platform)]
    tick = evaluate(rows, store.open(), policy, ahead, cursor, datetime.now(UTC))
    for line in tick.said:
        context.log.info(line)
    events = []
    if tick.cursor["shown"] != cursor.get("shown"):
        events.append(AssetMaterialization(publishing_queue.key, metadata={
            "queue": MetadataValue.md(table(tick.queue)), "items": sum(1 for item, _, _ in tick.queue if item)}))
    skip = None if tick.requests else ("; ".join(tick.said) or idle(tick.queue))
    return SensorResult(run_requests=tick.requests, cursor=json.dumps(tick.cursor), asset_events=events,
                        skip_reason=skip)
