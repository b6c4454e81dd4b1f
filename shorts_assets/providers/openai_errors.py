"""What an OpenAI SDK error means for a step: fix something (permanent) or try again (transient).

Shared by the OpenAI writer and the OpenAI image footage. The SDK has already retried 408,
409, 429, 5xx, timeouts and dropped connections (`max_retries`) by the time an error gets
here, so a transient verdict hands the step to the asset's RetryPolicy, after the
server's Retry-After when it sent one. A 429 that says the account is out of credit is the
exception: `openai_client` has the SDK send it once, as no retry can fix it.

Messages never include the API key: OpenAI's 401 text echoes part of it, so auth errors
say what to set instead of quoting the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from . import PermanentError, TransientError
from .http_errors import retry_after, scrub

if TYPE_CHECKING:  # the SDK is imported when a client is made or an error read: only where selected
    import openai

BILLING_URL = "https://platform.openai.com/settings/organization/billing"
KEYS_URL = "https://platform.openai.com/api-keys"
# dall-e answers content_policy_violation, the gpt-image models moderation_blocked.
POLICY_CODES = frozenset({"content_policy_violation", "moderation_blocked"})
TRANSIENT_STATUSES = frozenset({408, 409, 429})
# insufficient_quota comes as a 429, billing_hard_limit_reached (images) as a 400.
QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})


def openai_client(api_key: str, base_url: str, max_retries: int, timeout: float) -> openai.OpenAI:
    """The SDK client of both OpenAI providers; a context manager, so its connections get closed."""
    import openai

    http_client = openai.DefaultHttpxClient(event_hooks={"response": [_send_quota_errors_once]})
    return openai.OpenAI(
        api_key=api_key, base_url=base_url or None, max_retries=max_retries, timeout=timeout, http_client=http_client
    )


def _send_quota_errors_once(response) -> None:
    """The SDK retries every 429, and would re-send a request the account has no credit for:
    mark that answer with the SDK's own `x-should-retry: false`."""
    if response.status_code != 429:
        return
    response.read()
    if _error_code(response) in QUOTA_CODES:
        response.headers["x-should-retry"] = "false"


def _error_code(response) -> str:
    try:
        return str(response.json()["error"]["code"] or "")
    except (ValueError, KeyError, TypeError):
        return ""


@contextmanager
def openai_errors(what: str, api_key: str) -> Iterator[None]:
    """Raise the project's error for any SDK error met while doing `what` with `api_key`.

    The SDK error is not chained (`from None`): its text may quote part of the API key, and the
    server's words are passed on with the key blanked.
    """
    import openai

    try:
        yield
    except openai.OpenAIError as error:
        verdict = openai_error(error, what, api_key)
        if verdict is None:
            raise
        raise verdict from None


def openai_error(error: openai.OpenAIError, what: str, api_key: str) -> PermanentError | TransientError | None:
    """The project's error for an SDK error met while doing `what`, or None when it is unknown.

    Unknown errors are better left as they are: the RetryPolicy retries them.
    """
    import openai

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
        return _status_error(error, what, api_key)
    return None


def _status_error(error: openai.APIStatusError, what: str, api_key: str) -> PermanentError | TransientError:
    status, code = error.status_code, error.code or ""
    said = _server_message(error, api_key)
    if status == 401:
        return PermanentError(
            f"OpenAI says the API key is invalid or revoked (401) while trying to {what}: "
            f"set OPENAI_API_KEY to a valid key from {KEYS_URL}."
        )
    if code in QUOTA_CODES:
        return PermanentError(
            f"OpenAI says the account of OPENAI_API_KEY is out of credit or over its spending limit ({code}) "
            f"while trying to {what}: add credit or raise the limit at {BILLING_URL}, or set OPENAI_API_KEY "
            "to a key of an account with credit."
        )
    if code in POLICY_CODES:
        return PermanentError(
            f"OpenAI's content policy rejected the request to {what}: reword the row's topic, facts or script. "
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


def _server_message(error: openai.APIStatusError, api_key: str) -> str:
    """What the server said, without the key the request carried: a server may echo it (cut after, not
    before). The key is the one the client was given: what the SDK's response keeps of the request's
    headers differs between its versions (3.60 no longer had it where 3.57 did)."""
    body = error.body
    message = body.get("message") if isinstance(body, dict) else None
    return scrub(str(message or error.message), api_key)[:300]
