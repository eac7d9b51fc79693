"""An in-test Batch API on 127.0.0.1, driven by the real openai SDK over real HTTP.

POST /v1/files takes a multipart upload and keeps its bytes; GET /v1/files/{id} and
/v1/files/{id}/content give it back. POST /v1/batches creates a batch over an uploaded file;
GET /v1/batches/{id} moves it validating -> in_progress -> its fate ("completed" unless `fates`
says otherwise) on the `polls`-th poll, or never while `hold` is set, its request counts
advancing; the lines are answered by `responder(body)` when it ends. POST
/v1/batches/{id}/cancel cancels it. POST /v1/chat/completions answers realtime requests (the
re-asks) through `realtime` (default: `responder`). Counters say what was uploaded, created and
answered, so tests assert "one upload" and "nothing submitted again".

No pytest import: bench/batch_resume.py starts it too.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fake_openai_server import EMPTY


@dataclass(frozen=True)
class LineError:
    """The request never got an answer: the line's `error` object (as for an expired batch)."""

    code: str
    message: str


@dataclass(frozen=True)
class HTTPError:
    """The request got an error status: `response.status_code` and an error body."""

    status: int
    message: str


Answer = dict[str, Any] | LineError | HTTPError
Responder = Callable[[dict[str, Any]], Answer]


def completion_body(
    content: str | dict[str, Any] = EMPTY,
    *,
    finish_reason: str = "stop",
    usage: tuple[int, int] = (100, 20),
) -> dict[str, Any]:
    """A chat completion whose message is `content` (a dict is sent as its JSON)."""
    text = content if isinstance(content, str) else json.dumps(content)
    return {
        "id": "chatcmpl-batch", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                  "total_tokens": sum(usage)},
    }  # fmt: skip


@dataclass
class FakeBatch:
    id: str
    input_file_id: str
    lines: list[dict[str, Any]]
    fate: str
    created_at: int
    status: str = "validating"
    polls: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "object": "batch", "endpoint": "/v1/chat/completions",
            "input_file_id": self.input_file_id, "completion_window": "24h",
            "status": self.status, "created_at": self.created_at,
            "output_file_id": self.output_file_id, "error_file_id": self.error_file_id,
            "request_counts": {"total": len(self.lines), "completed": self.completed,
                               "failed": self.failed},
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
        }  # fmt: skip


TERMINAL = ("completed", "failed", "expired", "cancelled")


class FakeBatchServer:
    """A Batch API whose batches end after `polls` polls (see the module doc)."""

    def __init__(self, *, polls: int = 2, responder: Responder | None = None) -> None:
        self.polls = polls
        self.responder: Responder = responder or (lambda body: completion_body())
        self.realtime: Responder | None = None
        self.hold = False  # batches stay in_progress while set
        self.fates: list[str] = []  # one per batch created, in order; then "completed"
        self.files: dict[str, tuple[bytes, str]] = {}  # id -> (content, purpose)
        self.batches: dict[str, FakeBatch] = {}
        self.uploads = 0
        self.lines_answered = 0
        self.realtime_requests = 0
        self.retrieves = 0
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def batches_created(self) -> int:
        return len(self.batches)

    def requests_submitted(self) -> int:
        """Lines in every batch created: requests paid for."""
        return sum(len(batch.lines) for batch in self.batches.values())

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeBatchServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the API, under `lock` ---

    def _upload(self, content: bytes, purpose: str, filename: str) -> dict[str, Any]:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (content, purpose)
        self.uploads += purpose == "batch"
        return self._file_json(file_id, filename)

    def _file_json(self, file_id: str, filename: str = "file.jsonl") -> dict[str, Any]:
        content, purpose = self.files[file_id]
        return {"id": file_id, "object": "file", "bytes": len(content), "created_at": 0,
                "filename": filename, "purpose": purpose, "status": "processed"}  # fmt: skip

    def _create(self, request: dict[str, Any]) -> FakeBatch | None:
        stored = self.files.get(request.get("input_file_id", ""))
        if stored is None:
            return None
        lines = [json.loads(raw) for raw in stored[0].decode().splitlines() if raw.strip()]
        fate = self.fates.pop(0) if self.fates else "completed"
        batch = FakeBatch(f"batch_{len(self.batches) + 1}", request["input_file_id"], lines,
                          fate, int(time.time()))  # fmt: skip
        self.batches[batch.id] = batch
        return batch

    def _poll(self, batch: FakeBatch) -> None:
        self.retrieves += 1
        if batch.status in TERMINAL:
            return
        batch.polls += 1
        if not self.hold and batch.polls >= self.polls:
            self._end(batch, batch.fate)
        elif batch.polls > 1 or self.hold:
            batch.status = "in_progress"
            batch.completed = min(len(batch.lines) - 1, len(batch.lines) * batch.polls // 10)

    def _end(self, batch: FakeBatch, fate: str) -> None:
        """Answer the batch's lines as `fate` allows and write its output and error files."""
        if fate == "failed":
            batch.status, batch.completed = "failed", 0
            batch.errors = [{"code": "invalid_request", "message": "the file is not valid"}]
            return
        answered = len(batch.lines) if fate == "completed" else len(batch.lines) // 2
        outputs, errors = [], []
        for number, line in enumerate(batch.lines):
            key = line["custom_id"]
            if number >= answered:
                code = "batch_expired" if fate == "expired" else "batch_cancelled"
                errors.append(self._line(key, None, {"code": code, "message": "not run"}))
                continue
            self.lines_answered += 1
            answer = self.responder(line["body"])
            if isinstance(answer, LineError):
                errors.append(self._line(key, None, {"code": answer.code,
                                                     "message": answer.message}))  # fmt: skip
            elif isinstance(answer, HTTPError):
                body = {"error": {"message": answer.message, "type": "invalid_request_error"}}
                errors.append(self._line(key, {"status_code": answer.status, "body": body}, None))
            else:
                outputs.append(self._line(key, {"status_code": 200, "body": answer}, None))
        batch.status = fate
        batch.completed, batch.failed = len(outputs), len(errors)
        for lines, attribute in ((outputs, "output_file_id"), (errors, "error_file_id")):
            if lines:
                data = "".join(json.dumps(line) + "\n" for line in lines).encode()
                setattr(batch, attribute, self._upload(data, "batch_output", "out.jsonl")["id"])

    @staticmethod
    def _line(key: str, response: dict[str, Any] | None, error: Any) -> dict[str, Any]:
        if response is not None:
            response = {"request_id": f"req-{key[:8]}", **response}
        return {"id": f"line-{key[:8]}", "custom_id": key, "response": response, "error": error}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                parts = self.path.strip("/").split("/")
                with server.lock:
                    if parts[:2] == ["v1", "files"] and len(parts) == 4 and parts[3] == "content":
                        stored = server.files.get(parts[2])
                        if stored is not None:
                            self._send(200, stored[0], "application/octet-stream")
                            return
                    elif parts[:2] == ["v1", "files"] and len(parts) == 3:
                        if parts[2] in server.files:
                            self._json(200, server._file_json(parts[2]))
                            return
                    elif parts[:2] == ["v1", "batches"] and len(parts) == 3:
                        batch = server.batches.get(parts[2])
                        if batch is not None:
                            server._poll(batch)
                            self._json(200, batch.as_json())
                            return
                self._json(404, {"error": {"message": f"no {self.path}", "type": "not_found"}})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                path = self.path.rstrip("/")
                parts = path.strip("/").split("/")
                if path == "/v1/chat/completions":
                    self._realtime(json.loads(raw))
                    return
                with server.lock:
                    if path == "/v1/files":
                        content, purpose, filename = _multipart(self.headers["Content-Type"], raw)
                        self._json(200, server._upload(content, purpose, filename))
                        return
                    if path == "/v1/batches":
                        batch = server._create(json.loads(raw))
                        if batch is not None:
                            self._json(200, batch.as_json())
                            return
                    if len(parts) == 4 and parts[1] == "batches" and parts[3] == "cancel":
                        batch = server.batches.get(parts[2])
                        if batch is not None:
                            if batch.status not in TERMINAL:
                                server._end(batch, "cancelled")
                            self._json(200, batch.as_json())
                            return
                self._json(404, {"error": {"message": f"no {path}", "type": "not_found"}})

            def _realtime(self, body: dict[str, Any]) -> None:
                with server.lock:
                    server.realtime_requests += 1
                    answer = (server.realtime or server.responder)(body)
                if isinstance(answer, dict):
                    self._json(200, answer)
                else:
                    status = answer.status if isinstance(answer, HTTPError) else 500
                    self._json(status, {"error": {"message": answer.message, "type": "error"}})

            def _json(self, status: int, body: Any) -> None:
                self._send(status, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client was killed while waiting

        return Handler


def _multipart(content_type: str, raw: bytes) -> tuple[bytes, str, str]:
    """The uploaded file's bytes, its purpose and its name, from a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    content, purpose, filename = b"", "", "file.jsonl"
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if name == "file":
            content = data
            filename = str(part.get_filename() or filename)
        elif name == "purpose":
            purpose = data.decode()
    return content, purpose, filename
