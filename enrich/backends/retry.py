"""How the chat backend treats a failed request, for every provider: retry, fall back, abort
or report. Providers raise the neutral failures of `providers/base.py`; this reads only those.

Retried: 429, 408/409 (as the openai SDK does), 5xx, timeouts and connection errors. A
`retry-after-ms` or `Retry-After` header (seconds or HTTP date) is honoured, capped, because the
server knows better than our backoff when it will have room; otherwise exponential backoff with
jitter, so concurrent requests that failed together do not come back together.
Aborted: 401, 403 and 404, which no retry and no other abstract can get past.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState, wait_random_exponential

from enrich.core.redact import redact
from enrich.errors import BackendError
from enrich.providers.base import ConnectionLostError, RequestTimeoutError, StatusError

RETRIED_STATUS = frozenset({408, 409, 429})
_REJECTION_WORDS = ("response_format", "schema")


def clip(text: str, limit: int = 300) -> str:
    """`text` on one line, at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_transient(exc: BaseException) -> bool:
    """Whether another attempt of the same request may succeed."""
    if isinstance(exc, ConnectionLostError | RequestTimeoutError):
        return True
    if isinstance(exc, StatusError):
        return exc.status in RETRIED_STATUS or exc.status >= 500
    return False


def rejects_json_schema(exc: StatusError) -> bool:
    """Whether a failed `json_schema` request may mean the server does not take that format.

    Any 400/422 counts (the JSON-mode request that follows tells a bad format from a bad
    request); a 5xx counts only if its body names the response format or a schema, as
    llama-cpp-python's validation error does.
    """
    if exc.status in (400, 422):
        return True
    text = f"{exc.message} {exc.body}".lower()
    return exc.status >= 500 and any(word in text for word in _REJECTION_WORDS)


def rejects_sampling(exc: StatusError) -> bool:
    """Whether a 400 refuses `max_tokens` or a set temperature, as OpenAI's reasoning models do
    ("Use 'max_completion_tokens' instead", "'temperature' does not support 0.0")."""
    if exc.status != 400:
        return False
    text = f"{exc.message} {exc.body}".lower()
    return "max_completion_tokens" in text or (
        "temperature" in text and ("unsupported" in text or "does not support" in text)
    )


def fatal_error(
    exc: StatusError, *, endpoint: str, model: str, key_variable: str
) -> BackendError | None:
    """The abort for a failure that stops the whole batch, naming the fix (never the key)."""
    if exc.status == 401:
        return BackendError(
            f"the API key was rejected by {endpoint} (401)",
            f"check {key_variable}, or pass --base-url for a server that needs none",
        )
    if exc.status == 403:
        return BackendError(
            f"{endpoint} denied access to model {model!r} (403)",
            f"check that {key_variable} may use this model, or pass another --model",
        )
    if exc.status == 404:
        return BackendError(
            f"model {model!r} or the chat endpoint was not found at {endpoint} (404)",
            "pass --model with a model the server serves, and a --base-url ending in /v1",
        )
    return None


def describe_status(exc: StatusError, secrets: Iterable[str | None] = ()) -> str:
    """'503 Service Unavailable: <the server's message>', for a result's error. Redacted before
    clipping (a server may echo the Authorization header), so no cut-off key survives."""
    body = exc.body
    detail = body.get("message") if isinstance(body, dict) else body
    text = f"{exc.status} {exc.reason}".strip()
    return clip(redact(f"{text}: {detail}" if detail else text, secrets))


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The wait the server asked for in `headers` (lower-case names), if any and readable."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryWait:
    """tenacity wait strategy: the server's Retry-After when given, else jittered backoff."""

    def __init__(self, maximum: float) -> None:
        self.maximum = maximum
        self._backoff = wait_random_exponential(multiplier=0.5, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, StatusError):
            asked = retry_after_seconds(exc.headers)
            if asked is not None:
                return min(asked, self.maximum)
        return float(self._backoff(state))
