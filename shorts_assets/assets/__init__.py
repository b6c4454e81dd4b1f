"""One module per stage. Each asset loads its inputs, calls one provider or media
function, returns a record and attaches metadata; provider and ffmpeg detail live elsewhere."""

from contextlib import contextmanager

from dagster import Backoff, Failure, Jitter, RetryPolicy, RetryRequested

from ..providers import Deferred, PermanentError, TransientError

# Assets that call a service retry transient errors with exponential backoff and jitter.
SERVICE_RETRY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

TAIL_SECONDS = 0.6


def cost_metadata(costs) -> dict:
    """What the paid calls of a step used and cost, for the asset's metadata."""
    units: dict[str, float] = {}
    for cost in costs:
        for unit, amount in cost.units.items():
            units[f"{cost.service}_{unit}"] = units.get(f"{cost.service}_{unit}", 0) + amount
    return {"cost_usd": round(sum(c.usd for c in costs), 6), **units} if costs else {}


def permanent(message: str) -> Failure:
    """A failure that retrying cannot fix; its message is written back to the sheet row."""
    return Failure(description=message, allow_retries=False)


@contextmanager
def service_call():
    """Turn a provider's verdict into Dagster's: fail now, or retry (after Retry-After).
    A deferral passes through to `deferrable`, which records it."""
    try:
        yield
    except Deferred:
        raise
    except (PermanentError, ValueError) as error:
        raise permanent(str(error)) from error
    except TransientError as error:
        if error.retry_after is None:
            raise
        raise RetryRequested(max_retries=SERVICE_RETRY.max_retries, seconds_to_wait=error.retry_after) from error
