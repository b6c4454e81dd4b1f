"""Publishing slots: the times approved items go out (SHORTS_PUBLISH_SLOTS), and a row's pinned time.

Slots are cron expressions read in the channel's time zone, parsed and walked with croniter (the
library Dagster's schedules use), across daylight-saving changes too. `auto` takes the hours the
strategy learned (`posting_hours`): its best hour once a day, or its best N hours with `auto N`.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from .rows import RowError

SETTING = "SHORTS_PUBLISH_SLOTS"
SEPARATOR = ";"
AUTO = "auto"
FALLBACK_HOUR = 17
COLUMN = "publish_at"
MAX_PIN_CHARS = 40
MAX_COUNTED = 1000  # missed slots counted at most: a minutely cron over a long outage is "at least 1000"


def parse(value: str) -> list[str]:
    """The setting as a list: cron expressions, or ["auto"] / ["auto N"]; [] publishes on approval.
    Raises ValueError naming the setting and the expression that is not a cron."""
    value = (value or "").strip()
    if not value:
        return []
    if re.fullmatch(rf"{AUTO}(\s+\d+)?", value.lower()):
        setting = [" ".join(value.lower().split())]
        slots_a_day(setting)  # 1 to 24, or the setting is refused now
        return setting
    crons = [" ".join(part.split()) for part in value.split(SEPARATOR) if part.strip()]
    for cron in crons:
        if cron.lower() == AUTO:
            raise ValueError(f"{SETTING}: auto takes the hours the strategy learned and stands alone; "
                             "give either auto or cron expressions")
        if not croniter.is_valid(cron):
            raise ValueError(f"{SETTING}: {cron!r} is not a cron expression: give five fields (minute hour "
                             "day-of-month month day-of-week), such as '0 17 * * *' for 17:00 every day, and "
                             f"separate several with {SEPARATOR}")
    return crons


def is_auto(setting: list[str]) -> bool:
    return len(setting) == 1 and setting[0].startswith(AUTO)


def slots_a_day(setting: list[str]) -> int:
    """How many of the strategy's hours `auto` (1) or `auto N` uses a day."""
    count = int(setting[0][len(AUTO):] or 1)
    if not 1 <= count <= 24:
        raise ValueError(f"{SETTING}: {setting[0]!r} asks for {count} slots a day: give auto with 1 to 24")
    return count


def crons_for(setting: list[str], posting_hours: list[int] | None) -> tuple[list[str], str]:
    """The crons the slots follow now and how they were chosen, in words.

    `posting_hours` is the latest strategy's, best first (None: no strategy yet); only `auto` reads it."""
    if not is_auto(setting):
        return setting, f"{SETTING}: {' ; '.join(setting)}"
    hours = [hour for hour in dict.fromkeys(posting_hours or []) if 0 <= hour <= 23][:slots_a_day(setting)]
    if not hours:
        why = "no strategy yet" if posting_hours is None else "the strategy has no posting hours yet"
        return [f"0 {FALLBACK_HOUR} * * *"], f"auto: {why}, so one slot a day at {FALLBACK_HOUR}:00"
    return [f"0 {hour} * * *" for hour in hours], f"auto: the strategy's hours {', '.join(f'{h}:00' for h in hours)}"


def _ticks(crons: list[str], zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Every slot strictly after `after`, in order, the crons merged (a time two crons share once)."""
    start, last = after.astimezone(zone), None
    for when in heapq.merge(*(croniter(cron, start).all_next(datetime) for cron in crons)):
        if when != last:
            last = when
            yield when


def next_slot(crons: list[str], zone: ZoneInfo, after: datetime, taken: set[datetime] = frozenset()) -> datetime:
    """The first slot after `after` that no pinned item has taken."""
    return next(when for when in _ticks(crons, zone, after) if when not in taken)


def passed(crons: list[str], zone: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """The slots in (after, until], oldest first (at most MAX_COUNTED of them)."""
    found = []
    for when in _ticks(crons, zone, after):
        if when > until or len(found) == MAX_COUNTED:
            break
        found.append(when)
    return found


def pinned(cell: str | None, zone: ZoneInfo) -> datetime | None:
    """A row's `publish_at`: an ISO date and time, in the channel's zone unless it names one; None when
    empty. Untrusted input: anything else is a RowError that says how to write it."""
    text = " ".join((cell or "").split())
    if not text:
        return None
    example = (f"write it as 2030-12-24 17:00 (the channel's time zone, {zone.key}) or with an offset, "
               "such as 2030-12-24T17:00+01:00")
    if len(text) > MAX_PIN_CHARS:
        raise RowError(f"{COLUMN} is longer than {MAX_PIN_CHARS} characters: {example}")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"{COLUMN} {text!r} is not a date and time: {example}") from None
    if len(text) <= len("2030-12-24"):
        raise RowError(f"{COLUMN} {text!r} has no time of day: {example}")
    return (when if when.tzinfo else when.replace(tzinfo=zone)).astimezone(UTC)


def shown(when: datetime, zone: ZoneInfo) -> str:
    """A time as the channel reads it: `2030-03-04 17:00 CET`."""
    local = when.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
