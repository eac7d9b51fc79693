"""Transport retry policy: which failures are worth another attempt, and how long to wait.

Retried: 429, 5xx, timeouts and connection errors. A `Retry-After` (seconds or HTTP date) or
`retry-after-ms` header is honoured, capped; otherwise exponential backoff with jitter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import openai
from tenacity import RetryCallState, wait_random_exponential


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.RateLimitError | openai.APIConnectionError):
        return True  # APITimeoutError is an APIConnectionError
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's requested wait, from `retry-after-ms` or `Retry-After`, if any."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
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
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class RetryWait:
    """tenacity wait strategy: the server's Retry-After when given, else jittered backoff."""

    def __init__(self, maximum: float) -> None:
        self.maximum = maximum
        self._backoff = wait_random_exponential(multiplier=0.5, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        asked = retry_after_seconds(exc)
        if asked is not None:
            return min(asked, self.maximum)
        return float(self._backoff(state))
