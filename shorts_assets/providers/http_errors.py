"""What the HTTP clients without a vendor SDK share: send a request (again, while it fails in
a way that passes, as the SDKs do), and sort a failure into `TransientError` (worth a retry,
after the server's Retry-After) or `PermanentError` (a person must act). Each service maps its
own error codes first and falls back on `status_error` for the rest.

Messages never carry request URLs or headers: upload URLs and headers hold credentials.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping

import httpx

from . import PermanentError, TransientError

LOG = logging.getLogger(__name__)
RETRIES = 4  # after the first attempt: waits of 0.5, 1, 2 and 4 s, or what the server asks
MAX_INLINE_WAIT_S = 10.0  # a longer Retry-After is the step's RetryPolicy's to wait, not a held connection's
# The worst case of `retried`: its attempts' own time (each bounded by its client's timeout) plus
# at most MAX_INLINE_WAIT_S of waiting per retry, and no new attempt once `deadline_s` has passed.
PASSING = frozenset({408, 429, 500, 502, 503, 504})


def backoff_sleep(seconds: float) -> None:
    """The wait between attempts; tests patch it."""
    time.sleep(seconds)


def retried(step, what: str, retries: int = RETRIES, deadline_s: float | None = None):
    """`step()`, again after each TransientError (exponential backoff, or the Retry-After it carries)
    until `retries` are spent, the wait would be longer than MAX_INLINE_WAIT_S, or the next attempt
    would start more than `deadline_s` after the first."""
    attempt, started, waited = 0, time.monotonic(), 0.0
    while True:
        try:
            return step()
        except TransientError as error:
            wait = error.retry_after if error.retry_after is not None else 0.5 * 2**attempt
            spent = max(time.monotonic() - started, waited)  # the waits count even where a test skips them
            if attempt >= retries or wait > MAX_INLINE_WAIT_S or (deadline_s is not None and spent + wait > deadline_s):
                raise
            attempt, waited = attempt + 1, waited + wait
            LOG.warning("%s failed (%s); attempt %d in %.1f s", what, error, attempt + 1, wait)
            backoff_sleep(wait)


def timeout(seconds: float) -> httpx.Timeout:
    """`seconds` for an answer; a connection gets at most 10 of them."""
    return httpx.Timeout(seconds, connect=min(10.0, seconds))


class _Passing(TransientError):
    """An answer worth asking again for; carries it, for the caller to sort if no better one comes."""

    def __init__(self, response: httpx.Response, wait: float | None):
        super().__init__(f"HTTP {response.status_code}", wait)
        self.response = response


def send(client: httpx.Client, service: str, method: str, url: str, wait_of=None, **kwargs) -> httpx.Response:
    """A request, sent again while it times out, drops its connection or is answered 408, 429 or
    5xx (see `retried`; `wait_of` reads how long the server asks us to wait, Retry-After by
    default); then the last answer, for the caller to sort. Only replayable bodies (bytes, not
    streams) may be sent. A timeout or a dropped connection at the end is transient."""

    def once() -> httpx.Response:
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TimeoutException as error:
            raise TransientError(f"{service} did not answer in time ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise TransientError(f"{service} connection failed ({type(error).__name__})") from error
        if response.status_code in PASSING:
            raise _Passing(response, wait_of(response) if wait_of else retry_after(response.headers))
        return response

    try:
        return retried(once, f"{service} {method}")
    except _Passing as passing:
        return passing.response


def json_body(response: httpx.Response) -> dict:
    """The response's JSON object, or {} when it sent something else (a proxy's HTML page...)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms, or Retry-After in seconds or as a date.
    The one reader of these headers for every client, whatever its header type."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if value := lowered.get("retry-after-ms"):
        try:
            return max(float(value) / 1000, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def scrub(text: str, secret: str) -> str:
    """`text` with `secret` blanked: a service may echo what it was sent."""
    return text.replace(secret, "***") if secret else text


def status_error(service: str, response: httpx.Response, detail: str, wait: float | None = None) -> Exception:
    """The error a failed response means by its status alone: 408, 429 and 5xx pass, the rest need a person."""
    status = response.status_code
    if status in (408, 429) or status >= 500:
        return TransientError(f"{service} answered HTTP {status}: {detail}", wait or retry_after(response.headers))
    return PermanentError(f"{service} refused the request (HTTP {status}): {detail}")
