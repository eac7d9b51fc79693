"""What `--batch` keeps on disk and sends over the wire: batch records, input lines, output lines.

A record is one small JSON file per batch under `<cache_dir>/batches/`, written atomically
right after the batch is created and before any polling, so a run stopped while waiting (Ctrl-C,
a crash, SIGKILL) leaves it and the next run polls that batch again instead of paying for its
requests twice. It goes once every key it covers has been consumed (or is rewritten with the
keys a run did not ask for), and records older than an output file's life are pruned.

    {"version": 1, "batch_id": "batch_abc", "input_file_id": "file-xyz",
     "endpoint": "https://api.openai.com/v1", "model": "gpt-4o-mini", "mode": "json_schema",
     "created": "2025-01-31T12:00:00+00:00", "keys": ["<extraction key>", ...]}
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Final

from enrich.core.requests import Mode
from enrich.errors import StateError
from enrich.export import atomic_write_text

VERSION = 1
CHAT_PATH: Final = "/v1/chat/completions"  # the `url` of every line, the batch's endpoint
# OpenAI keeps a batch's output file 30 days: a record older than that has nothing to resume
RECORD_LIFE = timedelta(days=30)
# A line's error codes for a request that never ran: released, not failed
UNFINISHED = frozenset({"batch_expired", "batch_cancelled"})
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class BatchRecord:
    """One submitted batch: enough to poll it again and read its answers in a later run."""

    batch_id: str
    input_file_id: str
    endpoint: str
    model: str
    mode: Mode
    created: str  # ISO 8601, UTC
    keys: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps({"version": VERSION, **asdict(self), "keys": list(self.keys)})

    @classmethod
    def from_json(cls, text: str) -> BatchRecord | None:
        """The record in `text`, or None for anything else (a foreign or damaged file)."""
        try:
            data = json.loads(text)
            mode = data["mode"]
            record = cls(
                str(data["batch_id"]), str(data["input_file_id"]), str(data["endpoint"]),
                str(data["model"]), "json_object" if mode == "json_object" else "json_schema",
                str(data["created"]), tuple(str(key) for key in data["keys"]),
            )  # fmt: skip
            datetime.fromisoformat(record.created)
        except (ValueError, KeyError, TypeError):
            return None
        return record if data.get("version") == VERSION else None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class BatchStore:
    """The folder of batch records."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def prepare(self) -> None:
        """Fail before anything is uploaded if a record could not be kept."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.folder):
                pass
        except OSError as exc:
            raise StateError(
                f"{self.folder}: cannot record batches ({exc.strerror or exc})",
                "check its permissions, or pass --cache-dir DIR",
            ) from None

    def path(self, batch_id: str) -> Path:
        return self.folder / f"{_UNSAFE.sub('_', batch_id)}.json"

    def save(self, record: BatchRecord) -> None:
        atomic_write_text(self.path(record.batch_id), record.to_json())

    def load(self, endpoint: str, model: str) -> list[BatchRecord]:
        """The live records of `endpoint` and `model`, oldest first; stale ones are removed."""
        found: list[BatchRecord] = []
        oldest = datetime.now(UTC) - RECORD_LIFE
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                record = BatchRecord.from_json(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
            if record is None:
                continue
            if datetime.fromisoformat(record.created) < oldest:
                path.unlink(missing_ok=True)
            elif record.endpoint == endpoint and record.model == model:
                found.append(record)
        return sorted(found, key=lambda record: record.created)

    def keep(self, record: BatchRecord, keys: Iterable[str]) -> None:
        """Keep `record` for the `keys` no run has consumed yet; none left: remove it."""
        left = tuple(keys)
        if not left:
            self.path(record.batch_id).unlink(missing_ok=True)
        elif left != record.keys:
            self.save(BatchRecord(**{**asdict(record), "keys": left}))


def request_line(key: str, body: Mapping[str, Any]) -> bytes:
    """One line of a batch input file."""
    line = {"custom_id": key, "method": "POST", "url": CHAT_PATH, "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@dataclass
class Part:
    """One batch input file being written: its lines are on disk, not in memory."""

    handle: IO[bytes]
    keys: list[str]
    size: int = 0


def split_lines(
    lines: Iterable[tuple[str, bytes]], max_requests: int, max_bytes: int
) -> Iterator[Part]:
    """The lines in files of at most `max_requests` lines and `max_bytes` bytes, each yielded
    when full (the caller uploads and closes it). A line longer than `max_bytes` alone is the
    caller's to refuse before."""
    part: Part | None = None
    for key, line in lines:
        if part is not None and (
            len(part.keys) >= max_requests or part.size + len(line) > max_bytes
        ):
            part.handle.seek(0)
            yield part
            part = None
        if part is None:
            part = Part(tempfile.TemporaryFile(), [])  # noqa: SIM115 (closed by the caller)
        part.handle.write(line)
        part.keys.append(key)
        part.size += len(line)
    if part is not None:
        part.handle.seek(0)
        yield part


@dataclass(frozen=True)
class LineAnswer:
    """One line of an output or error file: the chat completion, or why there is none."""

    key: str
    body: Mapping[str, Any] | None = None
    error: str | None = None  # "code: message"
    unfinished: bool = False  # the batch expired or was cancelled before it ran


def _error_text(error: Mapping[str, Any]) -> str:
    code = error.get("code") or error.get("type") or "error"
    return f"{code}: {error.get('message') or 'no message'}"


def read_lines(text: str) -> Iterator[LineAnswer]:
    """Each well-formed line of an output or error file (others are skipped: their keys end
    as missing from the output)."""
    for raw in text.splitlines():
        try:
            line = json.loads(raw)
            key = line["custom_id"]
        except (ValueError, KeyError, TypeError):
            continue
        if not isinstance(key, str):
            continue
        error, response = line.get("error"), line.get("response")
        if isinstance(error, Mapping):
            code = str(error.get("code") or "")
            yield LineAnswer(key, error=_error_text(error), unfinished=code in UNFINISHED)
            continue
        if not isinstance(response, Mapping) or not isinstance(response.get("body"), Mapping):
            yield LineAnswer(key, error="no response: the line has neither answer nor error")
            continue
        status, body = response.get("status_code"), response["body"]
        if status != 200:
            inner = body.get("error")
            detail = _error_text(inner) if isinstance(inner, Mapping) else json.dumps(body)
            yield LineAnswer(key, error=f"HTTP {status}: {detail}")
            continue
        yield LineAnswer(key, body=body)
