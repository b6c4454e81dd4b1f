"""Work that waits for a window to reopen: a platform's posting quota or the day's budget.

A step that is `Deferred` is neither a failure nor worth a retry. It materializes nothing
(the steps after it are skipped and the run succeeds) and leaves `deferrals/<item>.json`:
which asset waits, until when and why. The status sensor writes `deferred` and the reason
to the item's row; `deferred_sensor` launches the item's missing assets once `until` passes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from . import keys
from .providers import Deferred
from .store import Store

T = TypeVar("T")


def save_deferral(store: Store, item_id: str, asset: str, deferral: Deferred) -> None:
    store.put_json(keys.deferral(item_id), {
        "asset": asset, "until": deferral.until.astimezone(UTC).isoformat(), "reason": str(deferral),
        "deferred_at": datetime.now(UTC).isoformat(),
    })


def waiting(store: Store, item_id: str) -> dict | None:
    """The item's deferral while the asset it stopped has not run since."""
    deferral = store.read_json(keys.deferral(item_id))
    return deferral if deferral and not deferral.get("done_at") else None


def clear_deferral(store: Store, item_id: str, asset: str) -> None:
    """The asset that waited has run: the deferral is history."""
    deferral = waiting(store, item_id)
    if deferral is not None and deferral["asset"] == asset:
        store.put_json(keys.deferral(item_id), {**deferral, "done_at": datetime.now(UTC).isoformat()})


def unless_deferred(context, asset: str, compute: Callable[[], T]) -> T | None:
    """What `compute()` makes for `asset`, or None with the reason kept when its work is `Deferred`."""
    store, item = context.resources.store.open(), context.partition_key
    try:
        made = compute()
    except Deferred as deferral:
        save_deferral(store, item, asset, deferral)
        context.log.warning(f"{asset} of {item} is deferred: {deferral}")
        return None
    clear_deferral(store, item, asset)
    return made


def deferrable(compute):
    """Make an asset (declared with `output_required=False`) yield nothing and record why when
    its work is `Deferred`; otherwise it yields what `compute` returns and clears its deferral."""

    @functools.wraps(compute)
    def run(context, *args, **kwargs):
        output = unless_deferred(context, context.asset_key.to_user_string(),
                                 lambda: compute(context, *args, **kwargs))
        if output is not None:
            yield output

    return run
