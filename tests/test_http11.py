"""The `server` provider's small HTTP/1.1 client against raw sockets scripted byte by byte:
kept-alive connections, a kept connection the server closed, chunked answers, error statuses,
answers cut off, refused connections and timeouts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from enrich.providers import server
from enrich.providers.base import (
    Connection,
    ConnectionLostError,
    RequestTimeoutError,
    StatusError,
)
from enrich.providers.http11 import PlainHTTPTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Peer"], Awaitable[None]]
ANSWER = {
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "{}"}}],
    "usage": {"prompt_tokens": 7, "completion_tokens": 3},
}


class Peer:
    """What the scripted server saw: connections opened and requests read (head and body)."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []


async def read_request(reader: asyncio.StreamReader, peer: Peer) -> bool:
    """One request off the wire; False when the client closed the connection instead."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return False
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    peer.requests.append((head, await reader.readexactly(length)))
    return True


def response(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


OK = response(json.dumps(ANSWER).encode())


async def serve(
    handler: Handler, check: Callable[[PlainHTTPTransport, Peer], Awaitable[Any]]
) -> Any:
    peer = Peer()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer.connections += 1
        try:
            await handler(reader, writer, peer)
        finally:
            writer.close()

    listener = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    transport = PlainHTTPTransport(
        Connection(f"http://127.0.0.1:{port}/v1", api_key="sk-SECRET", timeout=1.0)
    )
    try:
        return await check(transport, peer)
    finally:
        await transport.close()
        listener.close()


async def keep_answering(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer
) -> None:
    while await read_request(reader, peer):
        writer.write(OK)
        await writer.drain()


def test_requests_reuse_one_kept_alive_connection() -> None:
    async def check(transport: PlainHTTPTransport, peer: Peer) -> None:
        replies = [await transport.chat({"n": i}) for i in range(5)]
        assert [r.content for r in replies] == ["{}"] * 5
        assert (replies[0].prompt_tokens, replies[0].completion_tokens) == (7, 3)
        assert peer.connections == 1
        assert [json.loads(body) for _, body in peer.requests] == [{"n": i} for i in range(5)]
        head = peer.requests[0][0].decode()
        assert head.startswith("POST /v1/chat/completions HTTP/1.1\r\n")
        assert "Authorization: Bearer sk-SECRET" in head.replace("authorization", "Authorization")

    asyncio.run(serve(keep_answering, check))


def test_concurrent_requests_open_connections_and_keep_them() -> None:
    async def check(transport: PlainHTTPTransport, peer: Peer) -> None:
        await asyncio.gather(*(transport.chat({"n": i}) for i in range(4)))
        await asyncio.gather(*(transport.chat({"n": i}) for i in range(4)))
        assert peer.connections == 4
        assert len(peer.requests) == 8

    asyncio.run(serve(keep_answering, check))


def test_a_kept_connection_the_server_closed_is_replaced_and_nothing_is_sent_twice() -> None:
    async def one_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer
    ) -> None:
        if await read_request(reader, peer):  # answers as keep-alive, then hangs up
            writer.write(OK)
            await writer.drain()

    async def check(transport: PlainHTTPTransport, peer: Peer) -> None:
        for i in range(3):
            assert (await transport.chat({"n": i})).content == "{}"
            await asyncio.sleep(0.05)  # the server's close arrives while the connection idles
        assert peer.connections == 3
        assert [json.loads(body) for _, body in peer.requests] == [{"n": i} for i in range(3)]

    asyncio.run(serve(one_per_connection, check))


def test_a_chunked_answer_is_joined() -> None:
    async def chunked(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer
    ) -> None:
        await read_request(reader, peer)
        body = json.dumps(ANSWER).encode()
        parts = [body[:10], body[10:]]
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for part in parts:
            writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async def check(transport: PlainHTTPTransport, peer: Peer) -> str | None:
        return (await transport.chat({})).content

    assert asyncio.run(serve(chunked, check)) == "{}"


def test_an_error_status_carries_the_message_and_headers() -> None:
    body = json.dumps({"error": {"message": "slow down", "type": "rate_limit"}}).encode()

    async def limited(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer
    ) -> None:
        await read_request(reader, peer)
        writer.write(response(body, "429 Too Many Requests", "Retry-After: 2\r\n"))
        await writer.drain()

    async def check(transport: PlainHTTPTransport, peer: Peer) -> StatusError:
        with pytest.raises(StatusError) as caught:
            await transport.chat({})
        return caught.value

    error = asyncio.run(serve(limited, check))
    assert (error.status, error.reason, error.message) == (429, "Too Many Requests", "slow down")
    assert error.headers["retry-after"] == "2"
    assert error.body == {"message": "slow down", "type": "rate_limit"}


def test_an_answer_cut_off_is_a_lost_connection() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer) -> None:
        await read_request(reader, peer)
        writer.write(OK[:-10])
        await writer.drain()

    async def check(transport: PlainHTTPTransport, peer: Peer) -> None:
        with pytest.raises(ConnectionLostError):
            await transport.chat({})
        assert len(peer.requests) == 1  # sent once, not retried here (the shared layer decides)

    asyncio.run(serve(cut, check))


def test_a_server_that_hangs_up_unanswered_on_a_new_connection_is_a_lost_connection() -> None:
    async def rude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer) -> None:
        await read_request(reader, peer)

    async def check(transport: PlainHTTPTransport, peer: Peer) -> None:
        with pytest.raises(ConnectionLostError):
            await transport.chat({})
        assert peer.connections == 1

    asyncio.run(serve(rude, check))


def test_a_silent_server_times_out() -> None:
    async def silent(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer
    ) -> None:
        await read_request(reader, peer)
        await asyncio.sleep(3)

    async def check(transport: PlainHTTPTransport, peer: Peer) -> None:
        with pytest.raises(RequestTimeoutError):
            await transport.chat({})

    asyncio.run(serve(silent, check))


def test_a_refused_connection_is_a_lost_connection() -> None:
    async def check() -> None:
        listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        listener.close()
        await listener.wait_closed()
        transport = PlainHTTPTransport(Connection(f"http://127.0.0.1:{port}/v1", timeout=1.0))
        with pytest.raises(ConnectionLostError):
            await transport.chat({})

    asyncio.run(check())


def test_the_small_client_serves_plain_http_without_a_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    plain = server.PROVIDER.connect(Connection("http://127.0.0.1:8080/v1"))
    tls = server.PROVIDER.connect(Connection("https://example.org/v1"))
    monkeypatch.setenv("HTTP_PROXY", "http://proxy:3128")
    proxied = server.PROVIDER.connect(Connection("http://127.0.0.1:8080/v1"))
    assert isinstance(plain, PlainHTTPTransport)
    assert not isinstance(tls, PlainHTTPTransport)
    assert not isinstance(proxied, PlainHTTPTransport)
    with pytest.raises(ValueError, match="not a plain http"):
        PlainHTTPTransport(Connection("https://example.org/v1"))
