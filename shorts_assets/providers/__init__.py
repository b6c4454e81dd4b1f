"""The swappable outside world, one module per role: writers, voices, footage, platforms, sheets.

How a provider reports trouble decides what Dagster does with it:
- `PermanentError` (auth, quota exhausted, a policy refusal, bad input): the step fails at
  once with the message, which says what to fix and is written back to the sheet row.
- `TransientError` (429, 5xx, timeouts, dropped connections): the step is retried with the
  asset's RetryPolicy, after the server's Retry-After when it sent one.
- `Deferred` (a platform's quota or our daily budget is used up): not an error; the step
  records until when the work waits and materializes nothing, and a sensor resumes it then.
- `ValueError` for input no retry can fix counts as permanent too.
Any other exception is retried by the RetryPolicy, as an unknown fault may well pass.
"""

from datetime import UTC, datetime


class PermanentError(RuntimeError):
    """Retrying cannot fix this; the message says what a person must do."""


class TransientError(RuntimeError):
    """Worth trying again, after `retry_after` seconds when the service said so."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Deferred(PermanentError):
    """Not now: a quota or budget window is used up. Retrying before `until` cannot help;
    trying again after it will. A PermanentError, so nothing that misses it retries in a loop."""

    def __init__(self, reason: str, until: datetime):
        super().__init__(f"{reason}; deferred until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        self.reason, self.until = reason, until
