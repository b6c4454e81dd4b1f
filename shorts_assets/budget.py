"""The daily spend cap (SHORTS_DAILY_BUDGET_USD), built from the cost metadata of today's
materializations: the event log already holds what every paid step cost, so nothing else
needs to count. The day is UTC's; the cap holds new rows at the sheet sensor and defers a
paid step that would start past it, until midnight UTC.

Costs are recorded when a step materializes, so a paid step that failed halfway is not
counted; the cap is a guard on a day's work, not an invoice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from .providers import Deferred

PAGE = 1000


def day_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def spent_since(instance: DagsterInstance, start: datetime, costed: list[AssetKey]) -> float:
    """The cost_usd of every materialization of the `costed` assets since `start`."""
    total = 0.0
    for asset in costed:
        cursor = None
        while True:
            page = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=asset, after_timestamp=start.timestamp()),
                limit=PAGE, cursor=cursor)
            for record in page.records:
                cost = record.asset_materialization.metadata.get("cost_usd") if record.asset_materialization else None
                total += float(cost.value) if cost is not None else 0.0
            if not page.has_more:
                break
            cursor = page.cursor
    return total


def budget_deferral(instance: DagsterInstance, cap_usd: float, costed: list[AssetKey],
                    now: datetime | None = None) -> Deferred | None:
    """A deferral until midnight UTC when today's spend on the `costed` assets has reached the cap;
    None under it (or no cap)."""
    if cap_usd <= 0:
        return None
    now = now or datetime.now(UTC)
    spent = spent_since(instance, day_start(now), costed)
    if spent < cap_usd:
        return None
    return Deferred(f"the daily budget of ${cap_usd:.2f} is reached (${spent:.2f} spent today; "
                    "SHORTS_DAILY_BUDGET_USD)", until=day_start(now) + timedelta(days=1))
