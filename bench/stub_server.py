"""A minimal OpenAI-compatible chat-completions server with fixed latency, for benchmarks and the
tests of several endpoints and rate limits.

It runs in a child process, so the server's work does not compete with the client for the GIL
(a remote server would not either), and `kill()` ends it the way a crashed replica ends: its
connections reset, new ones refused. Its counts are shared memory. With `limit_rpm` it answers
429 (Retry-After: 1) to a request that would make more than `limit_rpm` accepted requests in
the last `window` seconds, as a provider's rate limit does.
"""

from __future__ import annotations

import collections
import json
import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.sharedctypes import Synchronized

EMPTY = {
    "summary": "A paper.",
    "methods": [],
    "tasks": [],
    "datasets": [],
    "metrics": [],
    "gains": [],
}


def _serve(
    latency: float,
    limit_rpm: int | None,
    window: float,
    port: Synchronized[int],
    counts: dict[str, Synchronized[int]],
) -> None:
    accepted: collections.deque[float] = collections.deque()
    lock = threading.Lock()

    def admitted() -> bool:
        if limit_rpm is None:
            return True
        now = time.monotonic()
        with lock:
            while accepted and accepted[0] <= now - window:
                accepted.popleft()
            if len(accepted) >= limit_rpm:
                return False
            accepted.append(now)
            return True

    def bump(name: str) -> None:
        with counts[name].get_lock():
            counts[name].value += 1

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            bump("requests")
            if not admitted():
                bump("limited")
                self._send(429, {"error": {"message": "rate limited", "type": "rate"}},
                           {"Retry-After": "1"})  # fmt: skip
                return
            time.sleep(latency)
            self._send(200, {
                "id": "stub", "object": "chat.completion", "created": 0, "model": "stub",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": json.dumps(EMPTY)}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            })  # fmt: skip
            bump("answered")

        def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    ThreadingHTTPServer.request_queue_size = 128  # the default backlog of 5 stalls bursts
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    server.serve_forever()


class StubServer:
    """Answers every chat completion after `latency` seconds with a valid empty extraction."""

    def __init__(self, latency: float, limit_rpm: int | None = None, window: float = 60.0) -> None:
        self._port: Synchronized[int] = multiprocessing.Value("i", 0)  # type: ignore[assignment]
        self._counts: dict[str, Synchronized[int]] = {
            name: multiprocessing.Value("i", 0)  # type: ignore[misc]
            for name in ("requests", "answered", "limited")
        }
        self._process = multiprocessing.Process(
            target=_serve,
            args=(latency, limit_rpm, window, self._port, self._counts),
            daemon=True,
        )

    @property
    def requests(self) -> int:
        """Requests received (answered, limited, or cut off by a kill)."""
        return int(self._counts["requests"].value)

    @property
    def answered(self) -> int:
        """Answers written in full."""
        return int(self._counts["answered"].value)

    @property
    def limited(self) -> int:
        """Requests answered 429."""
        return int(self._counts["limited"].value)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port.value}/v1"

    def kill(self) -> None:
        """End the server at once, as a crash would (SIGKILL)."""
        self._process.kill()
        self._process.join()

    def __enter__(self) -> StubServer:
        self._process.start()
        while self._port.value == 0:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
