"""A backend that replays queued responses and records every prompt: for tests and demos.

Responses are taken by request key first, then from `responder` (a function of the request and
the messages it was sent, for behaviour that depends on the prompt), then from the queue in
order. A response is a `ModelExtraction`, a dict validated into one, or an `Exception` instance
(reported as an error, as a real backend reports a request that finally failed).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence

from enrich.backends.base import ExtractRequest, ExtractResult, ResultCallback
from enrich.core.prompting import PromptSet, build_messages
from enrich.core.schema import ModelExtraction

Response = ModelExtraction | Mapping[str, object] | Exception
Responder = Callable[[ExtractRequest, list[dict[str, str]]], Response]


class FakeBackend:
    """Deterministic stand-in for a model; `prompts` holds every message list it was sent."""

    name = "fake"

    def __init__(
        self,
        prompt: PromptSet,
        queue: Iterable[Response] = (),
        by_key: Mapping[str, Response] | None = None,
        model: str = "fake-model",
        responder: Responder | None = None,
    ) -> None:
        self.responder = responder
        self.prompt = prompt
        self.model = model
        self.queue: deque[Response] = deque(queue)
        self.by_key = dict(by_key or {})
        self.prompts: list[list[dict[str, str]]] = []
        self.requests: list[ExtractRequest] = []

    def identity(self) -> Mapping[str, str]:
        return {"backend": self.name, "model": self.model}

    def params(self) -> Mapping[str, object]:
        return {}

    def close(self) -> None:
        """Nothing to release."""

    def _next(self, request: ExtractRequest, messages: list[dict[str, str]]) -> Response:
        if request.key in self.by_key:
            return self.by_key[request.key]
        if self.responder is not None:
            return self.responder(request, messages)
        if not self.queue:
            return LookupError(f"no queued response for {request.key}")
        return self.queue.popleft()

    def extract(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None = None
    ) -> list[ExtractResult]:
        results: list[ExtractResult] = []
        for request in batch:
            messages = build_messages(self.prompt, title=request.title, abstract=request.abstract)
            self.prompts.append(messages)
            self.requests.append(request)
            response = self._next(request, messages)
            if isinstance(response, Exception):
                result = ExtractResult(request.key, None, error=str(response), requests=1)
            else:
                extraction = (
                    response
                    if isinstance(response, ModelExtraction)
                    else ModelExtraction.model_validate(response)
                )
                result = ExtractResult(request.key, extraction, requests=1)
            results.append(result)
            if on_result is not None:
                on_result(result)
        return results
