"""The result cache also remembers each endpoint's response format, apart from the extractions."""

from __future__ import annotations

from pathlib import Path

from enrich.backends.base import Usage
from enrich.cache import ResultCache
from enrich.core.schema import ModelExtraction


def test_response_format_survives_reopening_and_is_not_an_entry(tmp_path: Path) -> None:
    with ResultCache(tmp_path) as cache:
        assert cache.get_format("http://h/v1", "m") is None
        cache.set_format("http://h/v1", "m", "json_object")
        cache.put(
            "k",
            ModelExtraction(summary="s.", methods=[], tasks=[], datasets=[], metrics=[], gains=[]),
            Usage(1, 2),
            "m",
        )
    with ResultCache(tmp_path) as cache:
        assert cache.get_format("http://h/v1", "m") == "json_object"
        assert cache.get_format("http://h/v1", "other") is None
        assert cache.stats().entries == 1
        assert cache.clear() == 1
        assert cache.get_format("http://h/v1", "m") is None
