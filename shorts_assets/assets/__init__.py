"""One module per stage. Each asset loads its inputs, calls one provider or media
function, returns a record and attaches metadata; provider and ffmpeg detail live elsewhere."""

from contextlib import contextmanager

from dagster import Backoff, Failure, Jitter, RetryPolicy

# Assets that call a service retry transient errors with exponential backoff and jitter.
SERVICE_RETRY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

TAIL_SECONDS = 0.6


def permanent(message: str) -> Failure:
    """A failure that retrying cannot fix; its message is written back to the sheet row."""
    return Failure(description=message, allow_retries=False)


@contextmanager
def bad_input_is_permanent():
    """Providers raise ValueError for input no retry can fix (an unknown voice, say)."""
    try:
        yield
    except ValueError as error:
        raise permanent(str(error)) from error
