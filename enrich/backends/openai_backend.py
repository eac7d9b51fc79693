"""OpenAI-compatible chat completions with structured outputs.

Each abstract is one request asking for a `json_schema` response format. A server that rejects
that format (llama.cpp's server answers HTTP 500, others 400/422) is detected once per backend:
the first request probes while the others wait, and from then on every request uses JSON mode
with the schema in the prompt, validated by pydantic on our side. Transport retries (tenacity)
are separate from validation re-asks, which feed the error back, bounded in count and tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import openai
from pydantic import ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from enrich.backends.base import ExtractRequest, ExtractResult, ResultCallback, Usage
from enrich.backends.retry import RetryWait, is_transient
from enrich.core.prompting import PromptSet, build_messages
from enrich.core.schema import ModelExtraction, output_schema
from enrich.errors import BackendError
from enrich.pricing import OPENAI_ENDPOINT

_LOCAL_KEY = "not-needed"  # local servers ignore the key, the SDK insists on one
Mode = Literal["json_schema", "json_object"]


def _rejects_json_schema(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {exc.body}".lower()
    mentions = "response_format" in text or "json_schema" in text
    return exc.status_code in (400, 422) or (exc.status_code >= 500 and mentions)


def _short(err: ValidationError | ValueError) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "output"
        more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    return str(err)[:300]


class OpenAIBackend:
    """The `openai` backend: any server speaking the chat-completions API."""

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
    ) -> None:
        self.prompt = prompt
        self.model = model
        self.endpoint = (base_url or OPENAI_ENDPOINT).rstrip("/")
        self._api_key = api_key or _LOCAL_KEY
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_reasks = max_reasks
        self.reask_token_cap = reask_token_cap
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.retry_wait_max = retry_wait_max
        self.mode: Mode = "json_schema"
        self._schema_confirmed = False

    def __repr__(self) -> str:
        return (
            f"OpenAIBackend(model={self.model!r}, endpoint={self.endpoint!r}, mode={self.mode!r})"
        )

    def identity(self) -> Mapping[str, str]:
        return {"backend": self.name, "model": self.model, "endpoint": self.endpoint}

    def params(self) -> Mapping[str, object]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens}

    def extract(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None = None
    ) -> list[ExtractResult]:
        return asyncio.run(self._extract_all(batch, on_result))

    async def _extract_all(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None
    ) -> list[ExtractResult]:
        client = openai.AsyncOpenAI(
            base_url=self.endpoint, api_key=self._api_key, timeout=self.timeout, max_retries=0
        )
        gate = asyncio.Semaphore(self.concurrency)
        probe = asyncio.Lock()

        async def one(request: ExtractRequest) -> ExtractResult:
            async with gate:
                result = await self._extract_one(client, probe, request)
            if on_result is not None:
                on_result(result)
            return result

        try:
            return list(await asyncio.gather(*(one(r) for r in batch)))
        finally:
            await client.close()

    async def _call(
        self, client: openai.AsyncOpenAI, request: ExtractRequest, turns: list[dict[str, str]],
        mode: Mode,
    ) -> Any:  # fmt: skip
        messages = build_messages(
            self.prompt, title=request.title, abstract=request.abstract,
            schema_in_prompt=mode == "json_object",
        ) + turns  # fmt: skip
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        # The schema is passed as-is in the body: the SDK's typed transform of it costs
        # milliseconds of CPU per request, which caps throughput at high concurrency.
        if mode == "json_schema":
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": "extraction", "strict": True, "schema": output_schema()},
            }
        else:
            response_format = {"type": "json_object", "schema": output_schema()}
        kwargs["extra_body"] = {"response_format": response_format}
        return await client.chat.completions.create(**kwargs)

    async def _create(
        self, client: openai.AsyncOpenAI, probe: asyncio.Lock, request: ExtractRequest,
        turns: list[dict[str, str]], result: ExtractResult,
    ) -> Any:  # fmt: skip
        """One request; while json_schema support is unknown, one request at a time probes.
        A rejected probe is followed at once by the JSON-mode request: two HTTP requests."""
        if self.mode == "json_schema" and not self._schema_confirmed:
            async with probe:
                if self.mode == "json_schema" and not self._schema_confirmed:
                    try:
                        response = await self._call(client, request, turns, "json_schema")
                    except openai.APIStatusError as exc:
                        if not _rejects_json_schema(exc):
                            raise
                        self.mode = "json_object"
                        result.requests += 1
                    else:
                        self._schema_confirmed = True
                        return response
        return await self._call(client, request, turns, self.mode)

    async def _send(
        self, client: openai.AsyncOpenAI, probe: asyncio.Lock, request: ExtractRequest,
        turns: list[dict[str, str]], result: ExtractResult,
    ) -> Any:  # fmt: skip
        """`_create` with transport retries; an error string when retries are exhausted."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=RetryWait(self.retry_wait_max),
            retry=retry_if_exception(is_transient),
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    result.requests += 1
                    result.retries += attempts > 1
                    return await self._create(client, probe, request, turns, result)
        except openai.AuthenticationError:
            raise BackendError(
                f"the API key was rejected by {self.endpoint} (401)",
                "check OPENAI_API_KEY, or pass --base-url for a server that needs none",
            ) from None
        except openai.PermissionDeniedError:
            raise BackendError(
                f"access denied by {self.endpoint} (403)", "check the key's permissions"
            ) from None
        except openai.NotFoundError:
            raise BackendError(
                f"model {self.model!r} or the chat endpoint was not found at {self.endpoint} (404)",
                "pass --model with a model the server serves, and a --base-url ending in /v1",
            ) from None
        except openai.APIStatusError as exc:
            return f"gave up after {attempts} attempts: HTTP {exc.status_code} {exc.message}"[:300]
        except openai.APIConnectionError as exc:
            return f"gave up after {attempts} attempts: {type(exc).__name__}: {exc}"[:300]
        return "no attempt was made"  # pragma: no cover - tenacity always attempts once

    async def _extract_one(
        self, client: openai.AsyncOpenAI, probe: asyncio.Lock, request: ExtractRequest
    ) -> ExtractResult:
        result = ExtractResult(request.key, None)
        turns: list[dict[str, str]] = []
        reask_tokens = 0
        while True:
            response = await self._send(client, probe, request, turns, result)
            if isinstance(response, str):
                result.error = response
                return result
            usage = Usage(
                getattr(response.usage, "prompt_tokens", 0) or 0,
                getattr(response.usage, "completion_tokens", 0) or 0,
            )
            result.usage.add(usage)
            if result.reasks:
                reask_tokens += usage.prompt_tokens + usage.completion_tokens
            choice = response.choices[0]
            message = choice.message
            if getattr(message, "refusal", None) or choice.finish_reason == "content_filter":
                result.error = f"refused: {getattr(message, 'refusal', None) or 'content filter'}"
                return result
            content = message.content or ""
            if choice.finish_reason == "length":
                problem = "output truncated at max_tokens; answer more concisely"
            else:
                try:
                    result.extraction = ModelExtraction.model_validate_json(content)
                    return result
                except ValidationError as err:
                    problem = _short(err)
            if result.reasks >= self.max_reasks or reask_tokens >= self.reask_token_cap:
                result.error = f"invalid output after {result.reasks} re-asks: {problem}"
                return result
            result.reasks += 1
            turns = [
                *turns,
                {"role": "assistant", "content": content},
                {
                    "role": "user",
                    "content": f"Your answer failed validation: {problem}. "
                    "Return the corrected JSON object only.",
                },
            ]
