"""The review queue: every video awaiting review on one page, newest first, so a reviewer opens one
page rather than one per item.

It is the `review_queue` asset, materialized by the sheet sync (no run): that sensor reads every
row each tick anyway, so the queue costs no sheet read of its own (the production sheet is Google
Sheets, with a read quota). A tick compares the items awaiting review and their latest renders
(one event-log query) with what the last materialization showed; only when they differ, or the
video links it gave are past half their lifetime (a presigned S3 link dies, SHORTS_LINK_HOURS), does
it read the records and materialize again. Each materialization is kept on the asset's page with
its time.

Thumbnails travel inside the metadata as `data:` images (the one kind the UI draws whatever the
store is), a few kilobytes each: the list shows the newest SHOWN items and counts the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from dagster import (
    AssetMaterialization,
    AssetRecordsFilter,
    AssetSpec,
    DagsterEventType,
    DagsterInstance,
    MetadataValue,
)

from ..assets.script import script
from ..assets.video import rendered_video
from ..keys import RowStatus
from ..models import RenderedVideo, Script
from ..review_pages import escaped, link_line, picture
from ..store import Link, Store, load_record
from . import digest

review_queue = AssetSpec(
    "review_queue", group_name="distribution",
    description="The videos awaiting review (SHORTS_REVIEW=required), newest first, each with its thumbnail, "
                "a link that plays it and its page. Materialized by the sheet_sync sensor when the queue changes.")
SHOWN = 30  # items drawn with their thumbnails; the metadata stays a few hundred kilobytes at most
REVIEW_OFF = ("Review is off (SHORTS_REVIEW=auto): rendered videos publish without waiting for a person, "
              "so nothing awaits review here.")


@dataclass(frozen=True)
class Waiting:
    """An item awaiting review and its latest `rendered_video` materialization (event storage id)."""

    item_id: str
    rendered: int  # 0: no materialization on this instance (made elsewhere): listed last


def awaiting(statuses: dict[str, str], instance: DagsterInstance) -> list[Waiting]:
    """The items whose status is `awaiting review`, newest render first. `statuses`: item -> status,
    a row's language versions each on its own (sheet_sync.row_items)."""
    items = {item for item, status in statuses.items() if status == RowStatus.AWAITING_REVIEW}
    if not items:
        return []
    latest = instance.get_latest_storage_id_by_partition(
        rendered_video.key, DagsterEventType.ASSET_MATERIALIZATION, partitions=items)
    return sorted((Waiting(item, latest.get(item, 0)) for item in items), key=lambda w: (-w.rendered, w.item_id))


def shown(queue: list[Waiting] | None) -> str:
    """The queue's digest; `None` is review switched off."""
    return digest(None if queue is None else [[w.item_id, w.rendered] for w in queue])


def due(cursor: dict, queue_digest: str, now: datetime) -> bool:
    """Whether to materialize the queue again: it changed, or its links are past half their lifetime."""
    refresh = cursor.get("refresh_at")
    return cursor.get("digest") != queue_digest or (refresh is not None and now >= datetime.fromisoformat(refresh))


def page_link(item_id: str) -> str:
    """The item's `rendered_video` page in the web UI (its latest materialization's review page), as a
    link from the server's root: the UI follows it in place. A webserver started with --path-prefix
    would need the prefix in front."""
    return f"/assets/{rendered_video.key.to_user_string()}?view=partitions&partition={quote(item_id)}"


def row(store: Store, cache_dir: Path, waiting: Waiting, rendered_at: float | None) -> tuple[str, Link | None]:
    """One item's table row and its video link (None when its record is gone or unreadable: the row
    says so, and the rest of the queue, and the sheet sync that makes it, go on)."""
    try:
        return item_row(store, cache_dir, waiting, rendered_at)
    except (ValueError, OSError) as error:  # a record of another version, a file that fails its hash
        return f"| | {escaped(f'cannot show it: {error}')} | `{waiting.item_id}` | | | |", None


def item_row(store: Store, cache_dir: Path, waiting: Waiting, rendered_at: float | None) -> tuple[str, Link | None]:
    video = load_record(store, rendered_video.key, waiting.item_id)
    if not isinstance(video, RenderedVideo):
        return f"| | no rendered_video record in the store | `{waiting.item_id}` | | | |", None
    written = load_record(store, script.key, waiting.item_id)
    title = escaped(written.title) if isinstance(written, Script) else ""
    preview = video.preview
    thumbnail = (picture(f"thumbnail of {waiting.item_id}", store.local_copy(preview.key, preview.sha256, cache_dir))
                 if preview else "(no preview: rendered before previews)")
    link = store.link(video.video.key)
    when = f"{datetime.fromtimestamp(rendered_at, UTC):%Y-%m-%d %H:%M} UTC" if rendered_at else ""
    return (f"| {thumbnail} | {title} | `{waiting.item_id}` | {video.duration_s:.1f} s | {link_line('Play', link)} "
            f"| [open]({page_link(waiting.item_id)}) {when} |"), link


def render_times(instance: DagsterInstance, queue: list[Waiting]) -> dict[int, float]:
    """Storage id -> when that materialization happened, for the items shown."""
    ids = [w.rendered for w in queue if w.rendered]
    if not ids:
        return {}
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=rendered_video.key, storage_ids=ids), limit=len(ids)).records
    return {record.storage_id: record.timestamp for record in records}


def markdown(store: Store, cache_dir: Path, instance: DagsterInstance, queue: list[Waiting]
             ) -> tuple[str, datetime | None]:
    """The queue as a markdown table, and when its first video link expires (None: links that last)."""
    if not queue:
        return "Nothing awaits review.", None
    shown = queue[:SHOWN]
    times = render_times(instance, shown)
    lines = ["| thumbnail | title | item | duration | video | page, rendered |", "|---|---|---|---|---|---|"]
    expiries = []
    for waiting in shown:
        line, link = row(store, cache_dir, waiting, times.get(waiting.rendered))
        lines.append(line)
        if link and link.expires:
            expiries.append(link)
    if len(queue) > SHOWN:
        lines += ["", f"and {len(queue) - SHOWN} more awaiting review (older)."]
    first = min(expiries, key=lambda link: link.expires) if expiries else None
    if first:
        lines += ["", f"The first video link stops working {first.expires:%Y-%m-%d %H:%M} UTC (SHORTS_LINK_HOURS); "
                      "the queue is made again with fresh links at half their lifetime."]
    return "\n".join(lines), first.expires if first else None


def tick(statuses: dict[str, str], review_required: bool, instance: DagsterInstance, store: Store, cache_dir: Path,
         cursor: dict, now: datetime) -> tuple[AssetMaterialization | None, dict]:
    """The queue's materialization when it is due (else None), and the cursor to keep."""
    queue = awaiting(statuses, instance) if review_required else None
    queue_digest = shown(queue)
    if not due(cursor, queue_digest, now):
        return None, cursor
    if queue is None:
        text, expires = REVIEW_OFF, None
    else:
        text, expires = markdown(store, cache_dir, instance, queue)
    metadata = {"queue": MetadataValue.md(text), "awaiting": len(queue or [])}
    if expires:
        metadata["links_expire"] = MetadataValue.timestamp(expires)
    refresh = now + (expires - now) / 2 if expires else None
    return (AssetMaterialization(review_queue.key, metadata=metadata),
            {"digest": queue_digest, "refresh_at": refresh.isoformat() if refresh else None})
