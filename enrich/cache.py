"""The on-disk result cache (diskcache): raw model outputs by extraction key.

Raw outputs are stored, not grounded ones, so improving grounding never costs a request.
Only successful extractions are stored; failures are retried on the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import diskcache

from enrich.backends.base import Usage
from enrich.core.schema import ModelExtraction

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
        self._cache = diskcache.Cache(str(directory))

    def get(self, key: str) -> tuple[ModelExtraction, Usage] | None:
        value: Any = self._cache.get(key)
        if not isinstance(value, dict):
            return None
        try:
            extraction = ModelExtraction.model_validate_json(value["extraction"])
        except (KeyError, ValueError):
            return None  # written by an older schema: treat as a miss
        usage = Usage(int(value.get("prompt_tokens", 0)), int(value.get("completion_tokens", 0)))
        return extraction, usage

    def put(self, key: str, extraction: ModelExtraction, usage: Usage, model: str) -> None:
        self._cache.set(
            key,
            {
                "extraction": extraction.model_dump_json(),
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "model": model,
            },
        )

    def get_format(self, endpoint: str, model: str) -> str | None:
        """The response format `endpoint` took for `model` in an earlier run, if known."""
        value: Any = self._cache.get(_format_key(endpoint, model))
        return value if isinstance(value, str) else None

    def set_format(self, endpoint: str, model: str, value: str) -> None:
        self._cache.set(_format_key(endpoint, model), value)

    def stats(self) -> CacheStats:
        notes = sum(1 for key in self._cache.iterkeys() if str(key).startswith(_FORMAT_PREFIX))
        return CacheStats(str(self.directory), len(self._cache) - notes, int(self._cache.volume()))

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
