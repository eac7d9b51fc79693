"""Structured outputs over the chat-completions API, shared by every provider.

The request is built by `core/requests.chat_body`, sent by the provider's transport (the only
part a provider supplies, with its error classification, key variable and prices), then
validated, re-asked and handed on for grounding.

Each abstract is one request asking for a strict `json_schema` response format. A server that
rejects that format (llama.cpp's server answers HTTP 500, others 400/422) gets the same request in
JSON mode with the schema in the prompt (llama.cpp enforces it by grammar), validated by pydantic
on our side; once that works the backend switches for good, and the optional `FormatMemory`
keeps the answer per endpoint and model so later runs start in the right format.
Transport retries (tenacity) are separate from validation re-asks, which feed the
error back to the model, bounded in count and in tokens. Answers of other schemas (an overview)
go through the same loop as jobs (`backends/jobs.py`, `ask`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from enrich.backends.answers import Rejection, reask_turns
from enrich.backends.base import (
    ExtractRequest,
    ExtractResult,
    FormatMemory,
    ResultCallback,
    Usage,
)
from enrich.backends.formats import ResponseFormat
from enrich.backends.interrupt import run_interruptibly
from enrich.backends.jobs import (
    Answer,
    ExtractJob,
    Job,
    Outcome,
    StructuredJob,
    keep_answer,
    keep_extraction,
)
from enrich.backends.pacing import Pacer
from enrich.backends.retry import (
    RetryWait,
    clip,
    describe_status,
    fatal_error,
    is_transient,
    rejects_json_schema,
    rejects_sampling,
)
from enrich.backends.router import Router, connect
from enrich.core.manifest import EndpointTraffic
from enrich.core.prompting import PromptSet
from enrich.core.redact import redact
from enrich.core.requests import Generation, Mode, is_reasoning_model, prompt_chars
from enrich.errors import BackendError, ConfigError
from enrich.providers import get as get_provider
from enrich.providers.base import (
    ConnectionLostError,
    EndpointSpec,
    Provider,
    Reply,
    RequestTimeoutError,
    StatusError,
    Transport,
)

T = TypeVar("T")
R = TypeVar("R", bound=Outcome)


class _AbortedError(Exception):
    """Another request of the batch failed fatally: send nothing more."""


@dataclass
class _Batch:
    """What the concurrent requests of one `extract` call share."""

    transport: Transport
    aborted: bool = False


class ChatBackend:
    """The `openai` backend (its name in cache keys): any server speaking the chat-completions
    API, reached through a provider's transport."""

    name = "openai"

    def __init__(
        self,
        prompt: PromptSet,
        *,
        model: str,
        base_url: str | None,
        api_key: str | None,
        concurrency: int = 8,
        timeout: float = 60.0,
        max_retries: int = 5,
        max_reasks: int = 2,
        reask_token_cap: int = 4000,
        temperature: float = 0.0,
        max_tokens: int = 2048,
        retry_wait_max: float = 30.0,
        memory: FormatMemory | None = None,
        response_format: Mode | None = None,
        retry_timeouts: bool = True,
        reasoning: bool | None = None,
        provider: Provider | str = "openai",
        endpoints: Sequence[EndpointSpec] = (),
        rpm: int | None = None,
        tpm: int | None = None,
    ) -> None:
        self.provider = get_provider(provider) if isinstance(provider, str) else provider
        base_url = endpoints[0].url if endpoints else base_url
        endpoint = base_url or self.provider.endpoint
        if endpoint is None:
            raise ConfigError(
                f"the {self.provider.name} provider has no default endpoint",
                "pass --base-url, e.g. http://127.0.0.1:8080/v1",
            )
        if api_key is None and base_url is None:
            raise ConfigError(
                f"no API key for {endpoint}",
                f"set {self.provider.key_variable}, or pass --base-url for a local server",
            )
        self.prompt = prompt
        self.model = model
        self.endpoint = endpoint.rstrip("/")
        self._api_key = api_key
        self._secrets = (api_key,) if api_key else ()  # blanked out of every error text
        self.concurrency = max(1, concurrency)
        # replicas of the model, each with its own concurrency (the first names it in keys)
        self.endpoints = tuple(
            EndpointSpec(spec.url.rstrip("/"), spec.concurrency or self.concurrency)
            for spec in (endpoints or (EndpointSpec(self.endpoint),))
        )
        # requests in flight over all endpoints
        self.capacity = sum(spec.concurrency or 1 for spec in self.endpoints)
        self.pacer = Pacer(rpm, tpm)  # kept across batches: a budget is per minute of the run
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.max_reasks = max(0, max_reasks)
        self.reask_token_cap = reask_token_cap
        self.temperature = temperature
        self.max_tokens = max_tokens
        # None: known reasoning families by name; any other model switches when the server
        # refuses `max_tokens` or the temperature (`rejects_sampling`), once, for the run.
        self.router: Router | None = None  # the last `extract` call's
        self._traffic: dict[str, EndpointTraffic] = {}
        self.generation = Generation(
            temperature, max_tokens, is_reasoning_model(model) if reasoning is None else reasoning
        )
        self.retry_wait_max = retry_wait_max
        # False for a local server, which goes on generating after a client gives up: a resent
        # request would queue behind the abandoned one
        self.retry_timeouts = retry_timeouts
        self.format = ResponseFormat(self.endpoint, model, memory, response_format)

    def _connect(self) -> Transport:
        """A transport for one `extract` call: a client cannot outlive its event loop."""
        transport = connect(self.provider, self.endpoints, self._api_key, self.timeout)
        self.router = transport if isinstance(transport, Router) else None
        return transport

    def traffic(self) -> tuple[list[EndpointTraffic], float]:
        """Per endpoint, over every `extract` call so far (several endpoints only)."""
        return list(self._traffic.values()), round(self.pacer.waited, 3)

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return (
            f"ChatBackend(provider={self.provider.name!r}, model={self.model!r}, "
            f"endpoint={self.endpoint!r}, mode={self.format.mode!r})"
        )

    @property
    def mode(self) -> Mode:
        """The response format asked for now (`backends/formats.py`)."""
        return self.format.mode

    def _redact(self, text: str) -> str:
        """`text` without the configured key or anything shaped like a credential."""
        return redact(text, self._secrets)

    def identity(self) -> Mapping[str, str]:
        return {"backend": self.name, "model": self.model, "endpoint": self.endpoint}

    def close(self) -> None:
        """Nothing to release: each `extract` closes the transport it used."""

    def params(self) -> Mapping[str, object]:
        known = {"temperature": self.temperature, "max_tokens": self.max_tokens}
        return {**known, "reasoning": True} if self.generation.reasoning else known

    def extract(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None = None
    ) -> list[ExtractResult]:
        """Run the batch concurrently; raise `BackendError` only for what no retry can fix."""
        if not batch:
            return []
        jobs = [ExtractJob(self.prompt, request) for request in batch]
        results = [ExtractResult(request.key, None) for request in batch]
        return run_interruptibly(self._run(jobs, results, keep_extraction, on_result))

    def ask(
        self,
        jobs: Sequence[StructuredJob[T]],
        on_answer: Callable[[Answer[T]], None] | None = None,
    ) -> list[Answer[T]]:
        """Answers of another schema (an overview), through the same transport, response
        format fallback, retries and bounded re-asks as `extract`."""
        if not jobs:
            return []
        answers: list[Answer[T]] = [Answer(job.key) for job in jobs]
        return run_interruptibly(self._run(jobs, answers, keep_answer, on_answer))

    async def _run(
        self,
        jobs: Sequence[Job[T]],
        results: Sequence[R],
        keep: Callable[[R, T | None, float], None],
        on_result: Callable[[R], None] | None,
    ) -> list[R]:
        batch = _Batch(self._connect())
        gate = asyncio.Semaphore(self.capacity)

        async def one(job: Job[T], result: R) -> R:
            async with gate:
                started, value = time.monotonic(), None
                try:
                    value = await self._ask_one(batch, job, result)
                except (BackendError, _AbortedError):
                    batch.aborted = True
                    raise
                except Exception as exc:  # an odd response must not sink the whole batch
                    result.error = clip(self._redact(f"unexpected {type(exc).__name__}: {exc}"))
                keep(result, value, time.monotonic() - started)
            if result.error:  # the one way out of the backend: nothing echoed leaves it
                result.error = self._redact(result.error)
            if on_result is not None:
                on_result(result)
            return result

        try:
            # A TaskGroup cancels the other requests as soon as one fails fatally.
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(j, r)) for j, r in zip(jobs, results, strict=True)]
        except BaseExceptionGroup as failure:
            fatal = failure.subgroup(BackendError)
            if fatal is not None:
                raise fatal.exceptions[0] from None
            if len(failure.exceptions) == 1:  # e.g. the caller's callback failed: its own error
                raise failure.exceptions[0] from None
            raise
        finally:
            await batch.transport.close()
            if self.router is not None:
                self.router.tally(self._traffic)
        return [task.result() for task in tasks]

    async def _call(
        self, batch: _Batch, job: Job[object], turns: list[dict[str, str]], mode: Mode
    ) -> Reply:
        if batch.aborted:
            raise _AbortedError
        body = job.body(self.model, mode, self.generation, turns)
        chars = prompt_chars(body)
        if self.pacer.active:  # the prompt at ~4 characters a token, and the answer's cap
            await self.pacer.admit(chars // 4 + self.generation.max_tokens)
            if batch.aborted:
                raise _AbortedError
        try:
            reply = await batch.transport.chat(body)
        except StatusError as exc:
            self.pacer.learn(exc.headers)
            raise
        self.pacer.learn(reply.limits)
        return replace(reply, prompt_chars=chars)

    async def _create(
        self,
        batch: _Batch,
        job: Job[object],
        turns: list[dict[str, str]],
        result: Outcome,
    ) -> Reply:
        """One attempt in the endpoint's format; a rejected json_schema falls back to JSON mode.

        Nothing waits for a probe: a server that does not take json_schema rejects it before
        generating, so the first wave's rejections are cheap (at most `concurrency`, once per
        endpoint and model, as the learned format is remembered), whereas a serialized probe
        would cost every run one full model latency.
        """
        used = self.generation
        try:
            return await self._in_format(batch, job, turns, result)
        except StatusError as exc:
            if used.reasoning or not rejects_sampling(exc):
                raise
        # A reasoning model refused max_tokens or the temperature: ask as one, from now on.
        self.generation = replace(used, reasoning=True)
        result.requests += 1
        return await self._in_format(batch, job, turns, result)

    async def _in_format(
        self,
        batch: _Batch,
        job: Job[object],
        turns: list[dict[str, str]],
        result: Outcome,
    ) -> Reply:
        if self.format.mode == "json_object":
            return await self._call(batch, job, turns, "json_object")
        try:
            response = await self._call(batch, job, turns, "json_schema")
        except StatusError as exc:
            if self.format.confirmed or not rejects_json_schema(exc) or rejects_sampling(exc):
                raise
        else:
            self.format.learn("json_schema")
            return response
        result.requests += 1
        try:
            response = await self._call(batch, job, turns, "json_object")
        except StatusError as exc:
            if exc.status not in (400, 422):  # the format was accepted, the call failed
                self.format.learn("json_object")
            raise
        self.format.learn("json_object")
        return response

    def _retried(self, exc: BaseException) -> bool:
        if isinstance(exc, RequestTimeoutError) and not self.retry_timeouts:
            return False
        return is_transient(exc)

    async def _send(
        self,
        batch: _Batch,
        job: Job[object],
        turns: list[dict[str, str]],
        result: Outcome,
    ) -> Reply | str:
        """`_create` with transport retries; an error string when they do not help."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=RetryWait(self.retry_wait_max),
            retry=retry_if_exception(self._retried),
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    if attempts:
                        result.retries += 1
                    attempts += 1
                    result.requests += 1
                    return await self._create(batch, job, turns, result)
        except StatusError as exc:
            fatal = fatal_error(
                exc,
                endpoint=self.endpoint,
                model=self.model,
                key_variable=self.provider.key_variable,
            )
            if fatal is not None:
                raise fatal from None
            if not is_transient(exc):
                return describe_status(exc, self._secrets)
            return f"gave up after {attempts} attempts: {describe_status(exc, self._secrets)}"
        except RequestTimeoutError:
            if not self.retry_timeouts:
                return (
                    f"timed out after {self.timeout:g} s (not resent: the server may still be "
                    "working on it; raise --timeout)"
                )
            return f"gave up after {attempts} attempts: timed out after {self.timeout:g} s"
        except ConnectionLostError as exc:
            return clip(self._redact(f"gave up after {attempts} attempts: {exc}"))
        raise AssertionError("tenacity made no attempt")  # pragma: no cover

    async def _ask_one(self, batch: _Batch, job: Job[T], result: Outcome) -> T | None:
        """Ask, read, and re-ask with the feedback while the bounds allow; the accepted answer,
        or None with `result.error` set."""
        turns: list[dict[str, str]] = []
        reask_tokens = 0
        truncated_before = False
        while True:
            response = await self._send(batch, job, turns, result)
            if isinstance(response, str):
                result.error = response
                return None
            spent = Usage(
                response.prompt_tokens,
                response.completion_tokens,
                response.prompt_chars if response.prompt_tokens else 0,
            )
            result.usage.add(spent)
            if result.reasks:
                reask_tokens += spent.prompt_tokens + spent.completion_tokens
            if not response.has_choice:
                result.error = "the server returned no choices"
                return None
            refusal = response.refusal
            if refusal or response.finish_reason == "content_filter":
                result.error = clip(f"refused: {refusal or 'content filter'}")
                return None
            content = response.content or ""
            answer = job.read(content, response.finish_reason)
            if not isinstance(answer, Rejection):
                return answer
            last_try = answer.cut_off and truncated_before  # a second cut-off wastes max_tokens
            truncated_before = truncated_before or answer.cut_off
            if last_try or result.reasks >= self.max_reasks or reask_tokens >= self.reask_token_cap:
                result.error = f"invalid output after {result.reasks} re-asks: {answer.problem}"
                return None
            result.reasks += 1
            turns = reask_turns(turns, content, answer)
