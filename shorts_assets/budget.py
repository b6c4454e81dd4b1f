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


def spent(instance: DagsterInstance, costed: list[AssetKey], after: float | None = None,
          partitions: list[str] | None = None) -> float:
    """The cost_usd of every materialization of the `costed` assets (since the UNIX time `after`, of
    `partitions`, when given)."""
    total = 0.0
    for asset in costed:
        cursor = None
        while True:
            page = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=asset, after_timestamp=after, asset_partitions=partitions),
                limit=PAGE, cursor=cursor)
            for record in page.records:
                cost = record.asset_materialization.metadata.get("cost_usd") if record.asset_materialization else None
                total += float(cost.value) if cost is not None else 0.0
            if not page.has_more:
                break
            cursor = page.cursor
    return total


def spent_on(instance: DagsterInstance, item: str, costed: list[AssetKey]) -> float:
    """What one item has cost so far, every run of it (retries and rematerializations too)."""
    return spent(instance, costed, partitions=[item])


def budget_deferral(instance: DagsterInstance, cap_usd: float, costed: list[AssetKey],
                    now: datetime | None = None) -> Deferred | None:
    """A deferral until midnight UTC when today's spend on the `costed` assets has reached the cap;
    None under it (or no cap)."""
    if cap_usd <= 0:
        return None
    now = now or datetime.now(UTC)
    today = spent(instance, costed, after=day_start(now).timestamp())
    if today < cap_usd:
        return None
    return Deferred(f"the daily budget of ${cap_usd:.2f} is reached (${today:.2f} spent today; "
                    "SHORTS_DAILY_BUDGET_USD)", until=day_start(now) + timedelta(days=1))
