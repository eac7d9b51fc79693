"""A minimal OpenAI-compatible chat-completions server with fixed latency, for benchmarks.

It runs in a child process, so the server's work does not compete with the client for the GIL
(a remote server would not either); the request count is shared memory.
"""

from __future__ import annotations

import json
import multiprocessing
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


def _serve(latency: float, port: Synchronized[int], requests: Synchronized[int]) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with requests.get_lock():
                requests.value += 1
            time.sleep(latency)
            body = json.dumps({
                "id": "stub", "object": "chat.completion", "created": 0, "model": "stub",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": json.dumps(EMPTY)}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer.request_queue_size = 128  # the default backlog of 5 stalls bursts
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    server.serve_forever()


class StubServer:
    """Answers every chat completion after `latency` seconds with a valid empty extraction."""

    def __init__(self, latency: float) -> None:
        self._port: Synchronized[int] = multiprocessing.Value("i", 0)  # type: ignore[assignment]
        self._requests: Synchronized[int] = multiprocessing.Value("i", 0)  # type: ignore[assignment]
        self._process = multiprocessing.Process(
            target=_serve, args=(latency, self._port, self._requests), daemon=True
        )

    @property
    def requests(self) -> int:
        return int(self._requests.value)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port.value}/v1"

    def __enter__(self) -> StubServer:
        self._process.start()
        while self._port.value == 0:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join()
