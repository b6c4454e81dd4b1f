"""Publishing slots: the times approved items go out (SHORTS_PUBLISH_SLOTS), and a row's pinned time.

Slots are cron expressions read in the channel's time zone. They are parsed and walked with
Dagster's own cron code (its vendored croniter, as `ScheduleDefinition` uses it), so a slot falls
exactly when a Dagster schedule with that cron and `execution_timezone` would tick, across
daylight-saving changes too. `auto` takes the hours the strategy learned (`posting_hours`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dagster._utils.schedules import is_valid_cron_string, schedule_execution_time_iterator

from .rows import RowError

SETTING = "SHORTS_PUBLISH_SLOTS"
SEPARATOR = ";"
AUTO = "auto"
FALLBACK_HOUR = 17
COLUMN = "publish_at"
MAX_PIN_CHARS = 40
MAX_COUNTED = 1000  # missed slots counted at most: a minutely cron over a long outage is "at least 1000"


def parse(value: str) -> list[str]:
    """The setting as a list: cron expressions, or [AUTO]; [] publishes on approval.
    Raises ValueError naming the setting and the expression that is not a cron."""
    value = (value or "").strip()
    if not value:
        return []
    if value.lower() == AUTO:
        return [AUTO]
    crons = [" ".join(part.split()) for part in value.split(SEPARATOR) if part.strip()]
    for cron in crons:
        if cron.lower() == AUTO:
            raise ValueError(f"{SETTING}: auto takes the hours the strategy learned and stands alone; "
                             "give either auto or cron expressions")
        if not is_valid_cron_string(cron):
            raise ValueError(f"{SETTING}: {cron!r} is not a cron expression: give five fields (minute hour "
                             "day-of-month month day-of-week), such as '0 17 * * *' for 17:00 every day, and "
                             f"separate several with {SEPARATOR}")
    return crons


def crons_for(setting: list[str], posting_hours: list[int] | None) -> tuple[list[str], str]:
    """The crons the slots follow now and how they were chosen, in words.

    `posting_hours` is the latest strategy's (None: no strategy yet); only `auto` reads it."""
    if setting != [AUTO]:
        return setting, f"{SETTING}: {' ; '.join(setting)}"
    hours = [hour for hour in dict.fromkeys(posting_hours or []) if 0 <= hour <= 23]
    if not hours:
        why = "no strategy yet" if posting_hours is None else "the strategy has no posting hours yet"
        return [f"0 {FALLBACK_HOUR} * * *"], f"auto: {why}, so one slot a day at {FALLBACK_HOUR}:00"
    return [f"0 {hour} * * *" for hour in hours], f"auto: the strategy's hours {', '.join(f'{h}:00' for h in hours)}"


def _ticks(crons: list[str], zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Every slot strictly after `after`, in order (the iterator starts at `after` inclusive)."""
    for when in schedule_execution_time_iterator(after.timestamp(), crons, zone.key):
        if when > after:
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
