"""When a post went out, as the strategy learns it: the hour and the weekday in the channel's time zone.

Why the channel's zone and not UTC: an audience watches by its own clock, so 19:00 in Berlin is
the same habit in winter and in summer while its UTC hour moves with daylight saving time.
Values are strings, like every other attribute the strategy learns: hours "0" to "23",
weekdays "mon" to "sun".
"""

from __future__ import annotations

from datetime import datetime, tzinfo

POSTING_HOUR, POSTING_WEEKDAY = "posting_hour", "posting_weekday"
POSTING_ATTRIBUTES = (POSTING_HOUR, POSTING_WEEKDAY)
HOURS = tuple(str(hour) for hour in range(24))
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order, not the locale's names


def posting_time(published_at: datetime, zone: tzinfo) -> dict[str, str]:
    """The post's hour and weekday on the channel's clock, e.g. {"posting_hour": "0", "posting_weekday": "sun"}."""
    if published_at.tzinfo is None:
        raise ValueError(f"a post's time must carry its time zone, got the naive {published_at.isoformat()}")
    local = published_at.astimezone(zone)
    return {POSTING_HOUR: str(local.hour), POSTING_WEEKDAY: WEEKDAYS[local.weekday()]}
