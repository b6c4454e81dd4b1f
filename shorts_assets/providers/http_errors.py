"""What the HTTP platform clients share: send one request, and sort a failure into
`TransientError` (worth a retry, after the server's Retry-After) or `PermanentError`
(a person must act). Each service maps its own error codes first and falls back on
`status_error` for the rest.

Messages never carry request URLs or headers: upload URLs and headers hold credentials.
"""

from __future__ import annotations

import httpx

from . import PermanentError, TransientError

TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def send(client: httpx.Client, service: str, method: str, url: str, **kwargs) -> httpx.Response:
    """One request; a timeout or a dropped connection is transient."""
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException as error:
        raise TransientError(f"{service} did not answer in time ({type(error).__name__})") from error
    except httpx.TransportError as error:
        raise TransientError(f"{service} connection failed ({type(error).__name__})") from error


def json_body(response: httpx.Response) -> dict:
    """The response's JSON object, or {} when it sent something else (a proxy's HTML page...)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after(response: httpx.Response) -> float | None:
    """The server's Retry-After in seconds, when it sent one as a number."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def scrub(text: str, secret: str) -> str:
    """`text` with `secret` blanked: a service may echo what it was sent."""
    return text.replace(secret, "***") if secret else text


def status_error(service: str, response: httpx.Response, detail: str, wait: float | None = None) -> Exception:
    """The error a failed response means by its status alone: 408, 429 and 5xx pass, the rest need a person."""
    status = response.status_code
    if status in (408, 429) or status >= 500:
        return TransientError(f"{service} answered HTTP {status}: {detail}", wait or retry_after(response))
    return PermanentError(f"{service} refused the request (HTTP {status}): {detail}")
