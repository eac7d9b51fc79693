"""The on-disk result cache (diskcache): raw model outputs by extraction key.

Raw outputs are stored, not grounded ones, so improving grounding never costs a request.
Only successful extractions are stored; failures are retried on the next run.
"""

from __future__ import annotations

import pickle
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import diskcache

from enrich.backends.base import Usage
from enrich.core.schema import ModelExtraction
from enrich.errors import CacheError

# What diskcache keeps in its folder: the index database (with SQLite's journal files) and
# two-hex-digit folders of large values. Removing a corrupt cache removes exactly these.
_DATABASE = "cache.db"
_VALUE_FOLDER = re.compile(r"[0-9a-f]{2}")
# A value that cannot be unpickled (garbage written into the database) is a miss, not a crash.
_BAD_VALUE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError,
              ValueError)  # fmt: skip
_ACCESS_HINT = "check its permissions, or pass --cache-dir DIR or --no-cache"
_CLEAR_HINT = "run `enrich cache clear` to remove it, or move it aside; run outputs are not touched"

_FORMAT_PREFIX = "response-format:"


def _format_key(endpoint: str, model: str) -> str:
    return f"{_FORMAT_PREFIX}{endpoint}|{model}"


@dataclass(frozen=True)
class CacheStats:
    directory: str
    entries: int  # cached extractions (the remembered response formats are not counted)
    bytes: int


class ResultCache:
    """A folder of cached extractions; safe to share between processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.write_failures = 0  # puts that failed (the run goes on; those results are uncached)
        self.write_error = ""
        if directory.exists() and not directory.is_dir():
            raise CacheError(
                f"{directory}: the cache folder is a file", "pass --cache-dir DIR, or --no-cache"
            )
        try:
            self._cache = diskcache.Cache(str(directory))
        except sqlite3.OperationalError as exc:  # cannot open or write: permissions, a lock
            raise CacheError(
                f"{directory / _DATABASE}: cannot open the cache ({exc})", _ACCESS_HINT
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from exc
        except OSError as exc:
            raise CacheError(
                f"{directory}: cannot open the cache ({exc.strerror or exc})", _ACCESS_HINT
            ) from exc

    def _unreadable(self, exc: sqlite3.DatabaseError) -> CacheError:
        """A corrupt cache, found on opening, reading or counting it."""
        return CacheError(f"{self.directory / _DATABASE}: cache unreadable ({exc})", _CLEAR_HINT)

    def _read(self, key: str) -> Any:
        try:
            return self._cache.get(key)
        except _BAD_VALUE:
            return None
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from exc

    def _write(self, key: str, value: object) -> None:
        try:
            self._cache.set(key, value)
        except (sqlite3.Error, OSError) as exc:
            self.write_failures += 1
            self.write_error = self.write_error or str(exc)

    def get(self, key: str) -> tuple[ModelExtraction, Usage] | None:
        value: Any = self._read(key)
        if not isinstance(value, dict):
            return None
        try:
            extraction = ModelExtraction.model_validate_json(value["extraction"])
        except (KeyError, ValueError):
            return None  # written by an older schema: treat as a miss
        usage = Usage(
            int(value.get("prompt_tokens", 0)),
            int(value.get("completion_tokens", 0)),
            int(value.get("prompt_chars", 0)),  # entries before it was kept: 0, not known
        )
        return extraction, usage

    def put(self, key: str, extraction: ModelExtraction, usage: Usage, model: str) -> None:
        """Store one success; a failed write is counted, never raised: the result itself is
        still written to the run's outputs, only the next run will ask for it again."""
        self._write(
            key,
            {
                "extraction": extraction.model_dump_json(),
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "prompt_chars": usage.prompt_chars,
                "model": model,
            },
        )

    def get_format(self, endpoint: str, model: str) -> str | None:
        """The response format `endpoint` took for `model` in an earlier run, if known."""
        value: Any = self._read(_format_key(endpoint, model))
        return value if isinstance(value, str) else None

    def set_format(self, endpoint: str, model: str, value: str) -> None:
        self._write(_format_key(endpoint, model), value)

    def stats(self) -> CacheStats:
        try:
            notes = sum(1 for key in self._cache.iterkeys() if str(key).startswith(_FORMAT_PREFIX))
            entries = len(self._cache) - notes
            volume = int(self._cache.volume())
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from exc
        return CacheStats(str(self.directory), entries, volume)

    @staticmethod
    def remove_files(directory: Path) -> int:
        """Delete a cache that cannot be opened: diskcache's database and value folders in
        `directory`, nothing else. Returns how many were removed."""
        removed = 0
        for path in sorted(directory.iterdir()) if directory.is_dir() else []:
            if path.is_file() and path.name.startswith(_DATABASE):
                path.unlink()
                removed += 1
            elif path.is_dir() and _VALUE_FOLDER.fullmatch(path.name):
                shutil.rmtree(path)
                removed += 1
        return removed

    def clear(self) -> int:
        """Remove everything; returns the number of extractions removed."""
        removed = self.stats().entries
        self._cache.clear()
        return removed

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
