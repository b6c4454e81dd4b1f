"""One module per stage. Each asset loads its inputs, calls one provider or media
function, returns a record and attaches metadata; provider and ffmpeg detail live elsewhere."""

from dagster import Backoff, Failure, Jitter, RetryPolicy

# Assets that call a service retry transient errors with exponential backoff and jitter.
SERVICE_RETRY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

TAIL_SECONDS = 0.6


def permanent(message: str) -> Failure:
    """A failure that retrying cannot fix; its message is written back to the sheet row."""
    return Failure(description=message, allow_retries=False)
