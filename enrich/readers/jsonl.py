"""JSON Lines, JSON arrays, and JSON objects wrapping a list of paper records.

Nesting is bounded (`ReadOptions.max_json_depth`): a too-deep JSON Lines record costs only its
own line, and nothing deep ever reaches the recursive parts of the parser or of our code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from enrich.core.models import Source
from enrich.readers.base import ReadOptions, ReadResult
from enrich.readers.records import columns_for, paper_from_record

_WRAPPERS = ("papers", "records", "items", "data", "results", "entries")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def deep_offset(text: str, limit: int) -> int | None:
    """Offset of the first bracket nested deeper than `limit` (brackets in strings do not
    count), or None. Cheap when the text holds too few brackets to be that deep."""
    if text.count("[") + text.count("{") <= limit:
        return None
    masked = _STRING.sub(lambda m: " " * (m.end() - m.start()), text)  # same offsets
    depth = 0
    for match in _BRACKET.finditer(masked):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        else:
            depth = max(depth - 1, 0)
    return None


def _deeper_than(value: object, limit: int) -> bool:
    """True when a parsed value nests more than `limit` levels (walks at most `limit` deep)."""
    if not isinstance(value, (dict, list)):
        return False
    if limit <= 0:
        return True
    children = value.values() if isinstance(value, dict) else value
    return any(_deeper_than(child, limit - 1) for child in children)


def _too_deep(what: str, limit: int) -> str:
    return f"{what} nested deeper than {limit} levels (a paper record needs 3 or 4)"


class JsonReader:
    """One record per line (JSONL), or one JSON document holding the records."""

    name = "json"
    extensions: tuple[str, ...] = (".jsonl", ".ndjson", ".json")

    def sniff(self, text: str) -> bool:
        return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        result = ReadResult()
        limit = options.max_json_depth
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            records = self._lines(text, path, limit, result)
        except RecursionError:  # nested thousands deep: JSON Lines lose that line only
            records = self._deep_document(text, path, limit, result)
        else:
            records = self._document(document, path, limit, result)
        for line, record in records:
            self._add(record, line, path, options, result)
        return result

    def _document(
        self, document: object, path: str, limit: int, result: ReadResult
    ) -> list[tuple[int | None, object]]:
        line: int | None = None  # items of one document have no line of their own
        if isinstance(document, Mapping):
            wrapped = next(
                (document[k] for k in _WRAPPERS if isinstance(document.get(k), list)), None
            )
            document, line = ([document], 1) if wrapped is None else (wrapped, None)
        if not isinstance(document, list):
            result.warn(path, "JSON document is neither an object nor a list of objects", 1)
            return []
        records: list[tuple[int | None, object]] = []
        for index, item in enumerate(document, 1):
            if _deeper_than(item, limit):
                what = "JSON record" if line == 1 else f"JSON record {index}"
                result.warn(path, f"{_too_deep(what, limit)}; skipped", line)
            else:
                records.append((line, item))
        return records

    def _deep_document(
        self, text: str, path: str, limit: int, result: ReadResult
    ) -> list[tuple[int | None, object]]:
        """Too deep for the parser: read as JSON Lines when the first line is a record of its
        own (or is the deep one); a multi-line document is skipped, naming where it gets deep."""
        first = next((line for line in text.splitlines() if line.strip()), "")
        try:
            is_lines = deep_offset(first, limit) is not None or isinstance(
                json.loads(first), (dict, list)
            )
        except (json.JSONDecodeError, RecursionError):
            is_lines = False
        if is_lines:
            return self._lines(text, path, limit, result)
        line = text.count("\n", 0, deep_offset(text, limit) or 0) + 1
        result.warn(
            path,
            f"{_too_deep('JSON document', limit)}; file skipped (as JSON Lines, one record a "
            "line, only the bad record would be lost)",
            line,
        )
        return []

    def _lines(
        self, text: str, path: str, limit: int, result: ReadResult
    ) -> list[tuple[int | None, object]]:
        records: list[tuple[int | None, object]] = []
        lines = text.splitlines()
        last = max((n for n, line in enumerate(lines, 1) if line.strip()), default=0)
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                deep = deep_offset(line, limit) is not None  # checked before json recurses
                if not deep:
                    records.append((number, json.loads(line)))
            except RecursionError:
                deep = True
            except json.JSONDecodeError as err:
                what = "truncated last record" if number == last else "malformed JSON"
                result.warn(path, f"{what} ({err.msg} at column {err.colno}); line skipped", number)
            if deep:
                result.warn(path, f"{_too_deep('JSON record', limit)}; line skipped", number)
        return records

    def _add(
        self,
        record: object,
        line: int | None,
        path: str,
        options: ReadOptions,
        result: ReadResult,
    ) -> None:
        if not isinstance(record, Mapping):
            result.warn(path, f"record is a JSON {type(record).__name__}, not an object", line)
            return
        keys = [str(k) for k in record]
        paper = paper_from_record(
            {str(k): v for k, v in record.items()},
            columns_for(keys, options),
            source=Source(path=path, line=line, format=self.name),
        )
        if isinstance(paper, str):
            result.warn(path, f"{paper}; skipped", line)
        else:
            result.papers.append(paper)


READER = JsonReader()
