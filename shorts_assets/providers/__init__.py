"""The swappable outside world, one module per role: writers, voices, footage, platforms, sheets.

How a provider reports trouble decides what Dagster does with it:
- `PermanentError` (auth, quota exhausted, a policy refusal, bad input): the step fails at
  once with the message, which says what to fix and is written back to the sheet row.
- `TransientError` (429, 5xx, timeouts, dropped connections): the step is retried with the
  asset's RetryPolicy, after the server's Retry-After when it sent one.
- `ValueError` for input no retry can fix counts as permanent too.
Any other exception is retried by the RetryPolicy, as an unknown fault may well pass.
"""


class PermanentError(RuntimeError):
    """Retrying cannot fix this; the message says what a person must do."""


class TransientError(RuntimeError):
    """Worth trying again, after `retry_after` seconds when the service said so."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
