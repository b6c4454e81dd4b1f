"""What an OpenAI SDK error means for a step: fix something (permanent) or try again (transient).

Shared by the OpenAI writer and the OpenAI image footage. The SDK has already retried 408,
409, 429, 5xx, timeouts and dropped connections (`max_retries`) by the time an error gets
here, so a transient verdict hands the step to the asset's RetryPolicy, after the
server's Retry-After when it sent one.

Messages never include the API key: OpenAI's 401 text echoes part of it, so auth errors
say what to set instead of quoting the server.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from contextlib import contextmanager

import openai

from . import PermanentError, TransientError

BILLING_URL = "https://platform.openai.com/settings/organization/billing"
KEYS_URL = "https://platform.openai.com/api-keys"
# dall-e answers content_policy_violation, the gpt-image models moderation_blocked.
POLICY_CODES = frozenset({"content_policy_violation", "moderation_blocked"})
TRANSIENT_STATUSES = frozenset({408, 409, 429})


@contextmanager
def openai_errors(what: str) -> Iterator[None]:
    """Raise the project's error for any SDK error met while doing `what`.

    The SDK error is not chained (`from None`): its text may quote part of the API key.
    """
    try:
        yield
    except openai.OpenAIError as error:
        verdict = openai_error(error, what)
        if verdict is None:
            raise
        raise verdict from None


def openai_error(error: openai.OpenAIError, what: str) -> PermanentError | TransientError | None:
    """The project's error for an SDK error met while doing `what`, or None when it is unknown.

    Unknown errors are better left as they are: the RetryPolicy retries them.
    """
    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        cause = error.__cause__
        why = f"{type(cause).__name__}: {cause}" if cause else error.message
        return TransientError(f"Could not reach OpenAI to {what} ({why}); will try again.")
    if isinstance(error, openai.LengthFinishReasonError):
        return PermanentError(
            f"OpenAI stopped writing before the reply was complete (token limit) while trying to {what}: "
            "shorten the row's facts or script, or pick a model with a larger output limit."
        )
    if isinstance(error, openai.ContentFilterFinishReasonError):
        return PermanentError(
            f"OpenAI's content filter stopped the reply while trying to {what}: reword the row's topic or facts."
        )
    if isinstance(error, openai.APIStatusError):
        return _status_error(error, what)
    return None


def _status_error(error: openai.APIStatusError, what: str) -> PermanentError | TransientError:
    status, code = error.status_code, error.code or ""
    said = _server_message(error)
    if status == 401:
        return PermanentError(
            f"OpenAI says the API key is invalid or revoked (401) while trying to {what}: "
            f"set OPENAI_API_KEY to a valid key from {KEYS_URL}."
        )
    if status == 429 and code == "insufficient_quota":
        return PermanentError(
            f"OpenAI says the account is out of credit or over its spending limit while trying to {what}: "
            f"add credit or raise the limit at {BILLING_URL}."
        )
    if code in POLICY_CODES:
        return PermanentError(
            f"OpenAI's content policy rejected the request to {what}: reword the row's topic or the scene. "
            f"OpenAI said: {said}"
        )
    if status in TRANSIENT_STATUSES or status >= 500:
        return TransientError(
            f"OpenAI is busy or failing ({status}) while trying to {what}; will try again. OpenAI said: {said}",
            retry_after=retry_after(error.response.headers),
        )
    if status == 403:
        return PermanentError(
            f"OpenAI refused access (403) while trying to {what}: the key's project may lack this model "
            f"or the country is not supported. OpenAI said: {said}"
        )
    if status == 404:
        return PermanentError(
            f"OpenAI found no such model or endpoint (404) while trying to {what}: check the model name "
            f"and OPENAI_BASE_URL. OpenAI said: {said}"
        )
    return PermanentError(f"OpenAI rejected the request ({status}) to {what}. OpenAI said: {said}")


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body
    message = body.get("message") if isinstance(body, dict) else None
    return str(message or error.message)[:300]


def retry_after(headers) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms, or retry-after in seconds or as a date."""
    if value := headers.get("retry-after-ms"):
        try:
            return max(float(value) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
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
