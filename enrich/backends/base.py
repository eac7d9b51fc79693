"""The backend interface: a batch of abstracts in, one result per abstract out.

A backend never raises for one bad abstract: it returns an `ExtractResult` with `error` set, so
a run always accounts for every paper. `on_result` is called as each result completes, which
lets the caller cache it at once (an interrupted run keeps everything finished so far).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from enrich.core.manifest import EndpointTraffic
from enrich.core.schema import ModelExtraction


@dataclass(frozen=True)
class ExtractRequest:
    """One abstract to extract from; `key` identifies it in the results."""

    key: str
    title: str
    abstract: str


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # characters of the prompts whose tokens were counted: a run's own tokens-per-character
    # ratio, from which `enrich plan` estimates a model whose tokenizer it does not have
    prompt_chars: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.prompt_chars += other.prompt_chars


@dataclass
class ExtractResult:
    """The model's extraction for one request, or why there is none."""

    key: str
    extraction: ModelExtraction | None
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    requests: int = 0  # HTTP requests sent, retries and re-asks included
    retries: int = 0  # transport retries (429, 5xx, timeouts)
    reasks: int = 0  # validation re-asks


ResultCallback = Callable[[ExtractResult], None]


@runtime_checkable
class ReportsTraffic(Protocol):
    """A backend that spreads requests over endpoints and paces them (`backends/chat.py`)."""

    def traffic(self) -> tuple[list[EndpointTraffic], float]:
        """Where the requests went, per endpoint (several only), and the seconds they waited
        for the rate budgets."""
        ...


class Backend(Protocol):
    """What the pipeline needs from a backend."""

    name: str
    model: str

    def identity(self) -> Mapping[str, str]:
        """What identifies this backend's outputs in a cache key (never a secret)."""
        ...

    def params(self) -> Mapping[str, object]:
        """Generation parameters that change the output (temperature, max tokens...)."""
        ...

    def extract(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None = None
    ) -> list[ExtractResult]:
        """One result per request, in request order."""
        ...

    def close(self) -> None:
        """Release what the backend holds (a local server process); safe to call twice."""
        ...


class FormatMemory(Protocol):
    """Remembers across runs which response format an endpoint's model accepts."""

    def get_format(self, endpoint: str, model: str) -> str | None: ...

    def set_format(self, endpoint: str, model: str, value: str) -> None: ...
