"""The on-disk result cache (diskcache): raw model outputs by extraction key.

Raw outputs are stored, not grounded ones, so improving grounding never costs a request.
Only successful extractions are stored; failures are retried on the next run. Overviews
(`enrich summarize`) have their own key space ("overview:" + `core/keys.overview_key`): only
answers whose citations passed the check are stored.
"""

from __future__ import annotations

import pickle
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import diskcache

from enrich.backends.base import Usage
from enrich.core.overview import ModelOverview
from enrich.core.schema import ModelExtraction
from enrich.errors import CacheError

if TYPE_CHECKING:  # a run never plans: its import stays out of the run's start-up
    from enrich.core.plan import History

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
OVERVIEW_PREFIX = "overview:"


def _format_key(endpoint: str, model: str) -> str:
    return f"{_FORMAT_PREFIX}{endpoint}|{model}"


def _usage(value: dict[str, Any]) -> Usage:
    return Usage(
        int(value.get("prompt_tokens", 0)),
        int(value.get("completion_tokens", 0)),
        int(value.get("prompt_chars", 0)),  # entries before it was kept: 0, not known
    )


def _entry(value: Any) -> tuple[ModelExtraction, Usage] | None:
    """A stored value as the extraction and its usage; None when it is not one."""
    if not isinstance(value, dict):
        return None
    try:
        extraction = ModelExtraction.model_validate_json(value["extraction"])
    except (KeyError, ValueError):
        return None  # written by an older schema: treat as a miss
    return extraction, _usage(value)


@dataclass(frozen=True)
class CacheStats:
    directory: str
    entries: int  # cached extractions and overviews (remembered response formats are not)
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
        return _entry(self._read(key))

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

    def get_overview(self, key: str) -> tuple[ModelOverview, Usage] | None:
        """The overview answer stored under `overview_key` `key`; None when absent or not one."""
        value = self._read(OVERVIEW_PREFIX + key)
        if not isinstance(value, dict):
            return None
        try:
            overview = ModelOverview.model_validate_json(value["overview"])
        except (KeyError, ValueError):
            return None  # written by an older schema: a miss
        return overview, _usage(value)

    def put_overview(self, key: str, overview: ModelOverview, usage: Usage, model: str) -> None:
        """Store an accepted overview answer (with listed ids, as the model wrote it); a failed
        write is counted, never raised."""
        self._write(
            OVERVIEW_PREFIX + key,
            {
                "overview": overview.model_dump_json(),
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


class CacheReader:
    """The cache opened read-only (SQLite's `mode=ro`), for `enrich plan`: it looks answers up
    and sums a model's usage, and can change nothing. A folder without the cache's database is
    an empty cache, and is not created."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        database = directory / _DATABASE
        self._disk = diskcache.Disk(str(directory))  # decodes values, reads large ones' files
        self._db: sqlite3.Connection | None = None
        if not database.is_file():
            return
        try:
            self._db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
            self._db.execute("SELECT 1 FROM Cache LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:  # not a database, no Cache table, unreadable
            self.close()
            raise CacheError(f"{database}: cache unreadable ({exc})", _CLEAR_HINT) from exc

    def _rows(self, query: str, args: tuple[str, ...] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of `query`, streamed (a large cache is never held in memory at once)."""
        if self._db is None:
            return
        try:
            yield from self._db.execute(query, args)
        except sqlite3.DatabaseError as exc:
            raise CacheError(
                f"{self.directory / _DATABASE}: cache unreadable ({exc})", _CLEAR_HINT
            ) from exc

    def _value(self, mode: int, filename: str | None, value: Any) -> Any:
        try:
            return self._disk.fetch(mode, filename, value, False)
        except (*_BAD_VALUE, OSError):
            return None

    def _lookup(self, key: str) -> Any:
        query = "SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = 1"
        row = next(self._rows(query, (key,)), None)
        return None if row is None else self._value(*row)

    def get(self, key: str) -> tuple[ModelExtraction, Usage] | None:
        """What `ResultCache.get` would return for `key`."""
        return _entry(self._lookup(key))

    def get_format(self, endpoint: str, model: str) -> str | None:
        value = self._lookup(_format_key(endpoint, model))
        return value if isinstance(value, str) else None

    def set_format(self, endpoint: str, model: str, value: str) -> None:
        """Read-only: a plan learns nothing it would have to remember."""

    def history(self, model: str) -> History:
        """The usage of every cached answer of `model`: what its answers cost so far."""
        from enrich.core.plan import History

        answers = completion = calibrated = tokens = chars = 0
        for row in self._rows("SELECT mode, filename, value FROM Cache WHERE raw = 1"):
            value = self._value(*row)
            if not isinstance(value, dict) or value.get("model") != model:
                continue
            if "extraction" not in value:  # an overview: not what an extraction costs
                continue
            usage = _usage(value)
            if usage.completion_tokens > 0:
                answers += 1
                completion += usage.completion_tokens
            if usage.prompt_chars > 0 and usage.prompt_tokens > 0:
                calibrated += 1
                tokens += usage.prompt_tokens
                chars += usage.prompt_chars
        return History(answers, completion, calibrated, tokens, chars)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> CacheReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
