"""What one structured-output request asks and how its answer is read.

`ChatBackend` has one send / validate / re-ask loop. A job gives it the request body for the
response format in use and reads each answer into a value or a `Rejection` (whose feedback the
loop sends back, within its bounds). An abstract's extraction is one kind of job; a
`StructuredJob` asks for another schema (an overview) and its reader may check more than the
schema (citations), so those failures are re-asked the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from enrich.backends.answers import Rejection, read_answer
from enrich.backends.base import ExtractRequest, ExtractResult, Usage
from enrich.core.prompting import PromptSet
from enrich.core.requests import Generation, Mode, StructuredAsk, chat_body
from enrich.core.schema import ModelExtraction

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Turns = list[dict[str, str]]


class Job(Protocol[T_co]):
    """One request the loop sends, re-asks and reads."""

    @property
    def key(self) -> str: ...

    def body(
        self, model: str, mode: Mode, generation: Generation, turns: Turns
    ) -> dict[str, Any]: ...

    def read(self, content: str, finish_reason: str | None) -> T_co | Rejection: ...


@dataclass(frozen=True)
class ExtractJob:
    """An abstract to extract from, with the run's prompt set."""

    prompt: PromptSet
    request: ExtractRequest

    @property
    def key(self) -> str:
        return self.request.key

    def body(self, model: str, mode: Mode, generation: Generation, turns: Turns) -> dict[str, Any]:
        return chat_body(
            self.prompt, model=model, title=self.request.title, abstract=self.request.abstract,
            mode=mode, generation=generation, turns=turns,
        )  # fmt: skip

    def read(self, content: str, finish_reason: str | None) -> ModelExtraction | Rejection:
        return read_answer(content, finish_reason)


@dataclass(frozen=True)
class StructuredJob(Generic[T]):
    """A request for an answer of another schema; `reader` validates it (`read_model`) and
    may reject a well-formed answer too, with feedback for the re-ask."""

    key: str
    ask: StructuredAsk
    reader: Callable[[str, str | None], T | Rejection]

    def body(self, model: str, mode: Mode, generation: Generation, turns: Turns) -> dict[str, Any]:
        return self.ask.body(model=model, mode=mode, generation=generation, turns=turns)

    def read(self, content: str, finish_reason: str | None) -> T | Rejection:
        return self.reader(content, finish_reason)


class Outcome(Protocol):
    """What the loop records about a request, whatever its answer's type (`ExtractResult`,
    `Answer`)."""

    error: str | None
    usage: Usage
    requests: int
    retries: int
    reasks: int


@dataclass
class Answer(Generic[T]):
    """A `StructuredJob`'s answer, accepted by its reader, or why there is none."""

    key: str
    value: T | None = None
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    requests: int = 0  # HTTP requests sent, retries and re-asks included
    retries: int = 0
    reasks: int = 0
    seconds: float = 0.0  # from its first request to its last answer


@runtime_checkable
class Asks(Protocol):
    """A backend that answers `StructuredJob`s: the LLM backends (not the offline extractor)."""

    name: str
    model: str

    def ask(
        self,
        jobs: Sequence[StructuredJob[T]],
        on_answer: Callable[[Answer[T]], None] | None = None,
    ) -> list[Answer[T]]: ...


def keep_extraction(result: ExtractResult, value: ModelExtraction | None, seconds: float) -> None:
    """How the loop stores an extraction job's outcome."""
    result.extraction = value


def keep_answer(answer: Answer[T], value: T | None, seconds: float) -> None:
    """How the loop stores a structured job's outcome."""
    answer.value, answer.seconds = value, seconds
