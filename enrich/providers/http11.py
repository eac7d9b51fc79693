"""A small keep-alive HTTP/1.1 client for plain `http://` servers: h11 speaks the protocol,
asyncio's streams carry it, and idle connections are kept for the next request.

Why not httpx2 everywhere: against a local server a run of a hundred abstracts takes about a
second, and httpx2 costs a third of that again (0.3 s to import, a few milliseconds of CPU per
request). TLS, proxies and anything else unusual go through httpx2 (`server.py` decides).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import h11

from enrich.providers.base import (
    Connection,
    ConnectionLostError,
    Reply,
    RequestTimeoutError,
    StatusError,
    error_parts,
    rate_limit_headers,
    reply_from_json,
)

_READ_SIZE = 65536


class _StaleError(Exception):
    """A kept connection the server had already closed: nothing was answered on it."""


class _Channel:
    """One TCP connection and its HTTP/1.1 state."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol = h11.Connection(our_role=h11.CLIENT)

    def reusable(self) -> bool:
        done = self.protocol.our_state is h11.DONE and self.protocol.their_state is h11.DONE
        if done:
            self.protocol.start_next_cycle()
        return done and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class PlainHTTPTransport:
    """POSTs chat bodies to `{endpoint}/chat/completions` over kept-alive connections."""

    def __init__(self, connection: Connection) -> None:
        url = urlsplit(connection.endpoint.rstrip("/") + "/chat/completions")
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"not a plain http:// endpoint: {connection.endpoint}")
        self._host, self._port = url.hostname, url.port or 80
        self._target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self._headers = [
            ("Host", url.netloc),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("User-Agent", "enrich"),
        ]
        if connection.api_key:
            self._headers.append(("Authorization", f"Bearer {connection.api_key}"))
        self._timeout = connection.timeout
        self._idle: list[_Channel] = []
        self._keep = max(1, connection.concurrency)

    async def chat(self, body: Mapping[str, Any]) -> Reply:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            while self._idle:  # a kept connection may have been closed by the server meanwhile
                try:
                    return await self._exchange(self._idle.pop(), payload)
                except _StaleError:
                    continue
            channel = await self._open()
            try:
                return await self._exchange(channel, payload)
            except _StaleError:
                raise ConnectionLostError("the server closed the connection unanswered") from None
        except TimeoutError:
            raise RequestTimeoutError("timed out") from None
        except (OSError, EOFError, h11.ProtocolError) as exc:
            raise ConnectionLostError(f"{type(exc).__name__}: {exc}") from None

    async def _open(self) -> _Channel:
        async with asyncio.timeout(self._timeout):
            reader, writer = await asyncio.open_connection(self._host, self._port)
        return _Channel(reader, writer)

    async def _exchange(self, channel: _Channel, payload: bytes) -> Reply:
        """One request and its whole answer on `channel`, which goes back to the pool after."""
        headers = [*self._headers, ("Content-Length", str(len(payload)))]
        protocol = channel.protocol
        received = False
        try:
            events = (
                h11.Request(method="POST", target=self._target, headers=headers),
                h11.Data(data=payload),
                h11.EndOfMessage(),
            )
            channel.writer.write(b"".join(protocol.send(event) or b"" for event in events))
            async with asyncio.timeout(self._timeout):
                await channel.writer.drain()
                response: h11.Response | None = None
                chunks: list[bytes] = []
                while True:
                    event = protocol.next_event()
                    if event is h11.NEED_DATA:
                        data = await channel.reader.read(_READ_SIZE)
                        if not data and not received:
                            raise _StaleError
                        received = True
                        protocol.receive_data(data)
                    elif isinstance(event, h11.Response):
                        response = event
                    elif isinstance(event, h11.Data):
                        chunks.append(bytes(event.data))
                    elif isinstance(event, h11.EndOfMessage):
                        break
                    elif isinstance(event, h11.ConnectionClosed):
                        raise EOFError("the server closed the connection mid-answer")
        except BaseException as exc:
            channel.close()
            if isinstance(exc, ConnectionResetError | BrokenPipeError) and not received:
                raise _StaleError from None
            raise
        if channel.reusable() and len(self._idle) < self._keep:
            self._idle.append(channel)
        else:
            channel.close()
        assert response is not None  # h11 yields the Response before EndOfMessage
        return _reply(response, b"".join(chunks))

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for channel in idle:
            channel.close()
        for channel in idle:
            with contextlib.suppress(OSError):
                await channel.writer.wait_closed()


def _reply(response: h11.Response, content: bytes) -> Reply:
    text = content.decode("utf-8", errors="replace")
    try:
        data: object = json.loads(text)
    except ValueError:
        data = text
    if response.status_code >= 400:
        inner, message = error_parts(data)
        raise StatusError(
            response.status_code,
            reason=response.reason.decode("latin-1"),
            message=message,
            body=inner,
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in response.headers},
        )
    limits = rate_limit_headers(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers
    )
    if isinstance(data, Mapping):
        return reply_from_json(data, limits)
    return Reply(None, has_choice=False, limits=limits)
