"""What the platforms let one account do in a window, tracked in the store before each upload.

YouTube counts uploads (videos.insert has its own bucket, 100 a day by default) and units
(10,000 a day for every other call; a thumbnail costs 50), both reset at midnight Pacific
time. TikTok and Instagram cap posts in a moving 24 hours. An upload that would go past an
allowance is not tried: it is `Deferred` until the window reopens, so it neither fails the
item nor burns retries on an answer that cannot change until then.

The ledger is one small JSON per platform (`quota/<platform>.json`) of timestamped spends.
Two uploads that check it at the same moment may both pass; the platform's own quota error
is then sorted as a deferral too, so the worst case is one refused request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from . import keys
from .providers import Deferred
from .providers.platforms import DAY, Allowance
from .store import Store

Spends = list[tuple[datetime, dict[str, int]]]


def load(store: Store, platform: str, now: datetime) -> Spends:
    """The platform's spends of the last two days (no window reaches back further): one read."""
    stored = store.read_json(keys.quota(platform)) or {"spends": []}
    spends = [(datetime.fromisoformat(when), spend) for when, spend in stored["spends"]]
    return [(when, spend) for when, spend in spends if when >= now - 2 * DAY]


def totals(allowance: Allowance, spends: Spends, now: datetime) -> tuple[Spends, dict[str, int]]:
    """The spends in the current window and each bucket's use in it."""
    window = [(when, spend) for when, spend in spends if when >= allowance.window_start(now)]
    use = dict.fromkeys(allowance.limits, 0)
    for _, spend in window:
        for bucket, amount in spend.items():
            use[bucket] = use.get(bucket, 0) + amount
    return window, use


def used(store: Store, allowance: Allowance, now: datetime) -> dict[str, int]:
    """Each bucket's use in the current window."""
    return totals(allowance, load(store, allowance.platform, now), now)[1]


def save(store: Store, platform: str, spends: Spends) -> None:
    store.put_json(keys.quota(platform), {"spends": [[when.isoformat(), spend] for when, spend in spends]})


def reserve(store: Store, allowance: Allowance, spend: dict[str, int], now: datetime | None = None) -> None:
    """Spend `spend` of the allowance, or raise `Deferred` with when the window reopens."""
    now = now or datetime.now(UTC)
    spends = load(store, allowance.platform, now)
    window, use = totals(allowance, spends, now)
    for bucket, amount in spend.items():
        if use.get(bucket, 0) + amount > allowance.limits[bucket]:
            raise Deferred(
                f"{allowance.platform}'s {bucket} allowance is used up ({use[bucket]} of "
                f"{allowance.limits[bucket]} in the window)",
                until=allowance.reopens(now, window, bucket))
    save(store, allowance.platform, [*spends, (now, spend)])


def reserve_post(store: Store, allowance: Allowance, now: datetime | None = None) -> None:
    reserve(store, allowance, allowance.per_post, now)


def exhaust(store: Store, allowance: Allowance, now: datetime | None = None) -> datetime:
    """The platform said its quota is spent, whatever we counted: record the post's buckets as
    full, so no upload asks again before the window reopens; returns when that is."""
    now = now or datetime.now(UTC)
    spends = load(store, allowance.platform, now)
    _, use = totals(allowance, spends, now)
    rest = {bucket: allowance.limits[bucket] - use.get(bucket, 0) for bucket in allowance.per_post}
    rest = {bucket: amount for bucket, amount in rest.items() if amount > 0}
    if rest:
        spends.append((now, rest))
        save(store, allowance.platform, spends)
    window, _ = totals(allowance, spends, now)
    return max(allowance.reopens(now, window, bucket) for bucket in allowance.per_post)
