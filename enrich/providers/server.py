"""The `server` provider: any OpenAI-compatible server (llama.cpp, vLLM, Ollama, LM Studio).

It sends the same body and reads the same answer as the `openai` provider, but starts in a
fraction of the time: importing the SDK takes about a second, longer than a whole small run
against a local server. A plain `http://` server with no proxy configured is reached through
the small h11 client of `http11.py`; https and proxies go through httpx2, the HTTP client the
openai SDK itself is built on. Self-hosted models have no list price, so it reports no cost.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from enrich.providers.base import (
    Connection,
    ConnectionLostError,
    Provider,
    Reply,
    RequestTimeoutError,
    StatusError,
    Transport,
    error_parts,
    rate_limit_headers,
    reply_from_json,
)


class _HTTPTransport:
    def __init__(self, connection: Connection) -> None:
        import httpx2

        self._httpx = httpx2
        headers = {"Content-Type": "application/json"}
        if connection.api_key:
            headers["Authorization"] = f"Bearer {connection.api_key}"
        self._client = httpx2.AsyncClient(
            base_url=connection.endpoint.rstrip("/") + "/",
            headers=headers,
            timeout=httpx2.Timeout(connection.timeout),
            limits=httpx2.Limits(
                max_connections=connection.concurrency,
                max_keepalive_connections=connection.concurrency,
            ),
            trust_env=True,  # proxies from the environment, as the SDK honours them
            # no TLS for a plain http:// server, so no CA bundle to load (~0.1 s at start-up)
            verify=not connection.endpoint.startswith("http://"),
        )

        self._url = "chat/completions"

    async def chat(self, body: Mapping[str, Any]) -> Reply:
        httpx2 = self._httpx
        try:
            response = await self._client.post(self._url, json=dict(body))
        except httpx2.TimeoutException:
            raise RequestTimeoutError("timed out") from None
        except httpx2.HTTPError as exc:
            raise ConnectionLostError(f"{type(exc).__name__}: {exc}") from None
        try:
            data: object = response.json()
        except ValueError:
            data = response.text
        if response.status_code >= 400:
            inner, message = error_parts(data)
            raise StatusError(
                response.status_code,
                reason=response.reason_phrase,
                message=message,
                body=inner,
                headers=response.headers,
            )
        limits = rate_limit_headers(response.headers.items())
        if isinstance(data, Mapping):
            return reply_from_json(data, limits)
        return Reply(None, has_choice=False, limits=limits)

    async def close(self) -> None:
        await self._client.aclose()


_PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")


def _plain(endpoint: str) -> bool:
    """Whether the small client can reach `endpoint`: plain http and no proxy to honour."""
    return endpoint.startswith("http://") and not any(os.environ.get(v) for v in _PROXY_VARIABLES)


def _connect(connection: Connection) -> Transport:
    if _plain(connection.endpoint):
        from enrich.providers.http11 import PlainHTTPTransport

        return PlainHTTPTransport(connection)
    return _HTTPTransport(connection)


PROVIDER = Provider(
    name="server",
    summary="any OpenAI-compatible server (llama.cpp, vLLM, Ollama) over plain HTTP; needs "
    "--base-url; starts fast",
    key_variable="OPENAI_API_KEY",
    connect=_connect,
)
