"""The `openai` provider: OpenAI's API (or any compatible server) through the official SDK.

The SDK costs about a second to import, so `connect` imports it, and only this provider does.
Its `post` is the documented raw call: `create` would run its typed transform over every
message and the whole schema on each request, and would reject llama.cpp's extra `schema` key.
The answer is taken raw too, for its rate-limit headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from enrich.providers.base import (
    Connection,
    ConnectionLostError,
    Provider,
    Reply,
    RequestTimeoutError,
    StatusError,
    Transport,
    rate_limit_headers,
    reply_from_json,
)

if TYPE_CHECKING:
    import openai

ENDPOINT = "https://api.openai.com/v1"
_NO_KEY = "not-needed"  # local servers ignore the key, the SDK insists on one

# USD per million tokens (input, output): OpenAI's published standard-tier list prices.
PRICES: Mapping[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}


class _SDKTransport:
    def __init__(self, connection: Connection) -> None:
        import openai

        self._openai = openai
        self._client: openai.AsyncOpenAI = openai.AsyncOpenAI(
            base_url=connection.endpoint,
            api_key=connection.api_key or _NO_KEY,
            timeout=connection.timeout,
            max_retries=0,  # retries are the shared layer's (tenacity, Retry-After)
        )

    async def chat(self, body: Mapping[str, Any]) -> Reply:
        import httpx2  # the SDK's own HTTP client, already imported with it

        openai = self._openai
        try:
            # the raw response: its rate-limit headers, and no typed parse of every answer
            response = await self._client.post(
                "/chat/completions", cast_to=httpx2.Response, body=dict(body)
            )
        except openai.APIStatusError as exc:
            raise StatusError(
                exc.status_code,
                reason=exc.response.reason_phrase,
                message=exc.message,
                body=exc.body,
                headers=exc.response.headers,
            ) from None
        except openai.APITimeoutError:
            raise RequestTimeoutError("timed out") from None
        except openai.APIConnectionError as exc:
            raise ConnectionLostError(f"{type(exc).__name__}: {exc}") from None
        limits = rate_limit_headers(response.headers.items())
        try:
            data: object = response.json()
        except ValueError:
            data = None
        if isinstance(data, Mapping):
            return reply_from_json(data, limits)
        return Reply(None, has_choice=False, limits=limits)

    async def close(self) -> None:
        await self._client.close()


def _connect(connection: Connection) -> Transport:
    return _SDKTransport(connection)


PROVIDER = Provider(
    name="openai",
    summary="OpenAI's API, or any compatible server, through the official openai SDK",
    key_variable="OPENAI_API_KEY",
    connect=_connect,
    endpoint=ENDPOINT,
    prices=PRICES,
    batch_share=0.5,  # the Batch API bills half the list price
)
