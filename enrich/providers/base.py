"""What a provider is: a transport for one chat request, its error classification, its key
variable, its endpoint and its list prices. Everything else (the request body, format fallback,
retries, validation, re-asks, grounding) is shared by every provider (`backends/chat.py`).

A transport reports failures as the three provider-neutral exceptions below, so the shared
layer decides what to retry, abort or report without knowing any client library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class TransportError(Exception):
    """A request that got no usable HTTP answer, or an error status."""


class StatusError(TransportError):
    """The server answered with an error status. `body` is the error object when the body was
    OpenAI-shaped JSON (`{"error": {...}}`), else the parsed body or its text."""

    def __init__(
        self,
        status: int,
        *,
        reason: str = "",
        message: str = "",
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {reason}: {message}".strip())
        self.status = status
        self.reason = reason
        self.message = message
        self.body = body
        self.headers = {name.lower(): value for name, value in (headers or {}).items()}


class RequestTimeoutError(TransportError):
    """No answer within the request timeout."""


class ConnectionLostError(TransportError):
    """The connection could not be made or broke before an answer."""


@dataclass(frozen=True)
class Reply:
    """The part of a chat completion the shared layer reads."""

    content: str | None
    finish_reason: str | None = None
    refusal: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    has_choice: bool = True
    prompt_chars: int = 0  # set by the shared layer: the characters of the messages sent
    # the answer's x-ratelimit-* headers (lower-case names), from which a run learns its budget
    limits: Mapping[str, str] = field(default_factory=dict)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def reply_from_json(data: Mapping[str, Any], limits: Mapping[str, str] | None = None) -> Reply:
    """A chat-completions response body as a `Reply` (missing parts read as empty)."""
    usage = _mapping(data.get("usage"))
    tokens = (int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        return Reply(None, None, None, *tokens, has_choice=False, limits=limits or {})
    choice = choices[0]
    message = _mapping(choice.get("message"))
    content = message.get("content")
    refusal = message.get("refusal")
    return Reply(
        content if isinstance(content, str) else None,
        choice.get("finish_reason"),
        refusal if isinstance(refusal, str) else None,
        *tokens,
        limits=limits or {},
    )


RATE_LIMIT_PREFIX = "x-ratelimit-"


def rate_limit_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The x-ratelimit-* headers among `headers`, names lower-cased."""
    return {
        name.lower(): value for name, value in headers if name.lower().startswith(RATE_LIMIT_PREFIX)
    }


def error_parts(body: object) -> tuple[object, str]:
    """An error response's body as the error object and its message: OpenAI-style servers wrap
    it as `{"error": {"message": ...}}`, others send a bare object or text."""
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping):
            return inner, str(inner.get("message") or "")
        return inner, str(inner)
    return body, "" if body is None else str(body)


class Transport(Protocol):
    """Sends one chat-completions body to one endpoint; raises only `TransportError`s."""

    async def chat(self, body: Mapping[str, Any]) -> Reply: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint a run may send to, and how many requests it takes at once (None: the
    run's --concurrency). Several of them are replicas serving the same model."""

    url: str
    concurrency: int | None = None


@dataclass(frozen=True)
class Connection:
    """Where and how a transport connects; the key never appears in its repr."""

    endpoint: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    concurrency: int = 8


@dataclass(frozen=True)
class Provider:
    """One way of reaching a chat model. A provider module builds one and registers it."""

    name: str
    summary: str  # one line for --help
    key_variable: str  # the environment variable holding its API key
    connect: Callable[[Connection], Transport]  # imports its client library when called
    endpoint: str | None = None  # used when no --base-url is given; None: one is required
    # USD per million tokens (input, output) at `endpoint`, the provider's published list
    # prices; a model not listed, or another endpoint, has no known cost
    prices: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # the share of the list price its Batch API bills (OpenAI: half); None: not published
    batch_share: float | None = None

    def cost_usd(
        self,
        endpoint: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        *,
        batch: bool = False,
    ) -> float | None:
        """The tokens' cost at list price (or its Batch API price), or None when not known."""
        if self.endpoint is None or endpoint.rstrip("/") != self.endpoint:
            return None
        price = self.prices.get(model)
        share = self.batch_share if batch else 1.0
        if price is None or share is None:
            return None
        return share * (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
