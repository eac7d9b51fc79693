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


@dataclass(frozen=True)
class CacheStats:
    directory: str
    entries: int
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

    def stats(self) -> CacheStats:
        return CacheStats(str(self.directory), len(self._cache), int(self._cache.volume()))

    def clear(self) -> int:
        return int(self._cache.clear())

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
