"""JSON Lines, JSON arrays, and JSON objects wrapping a list of paper records."""

from __future__ import annotations

import json
from collections.abc import Mapping

from enrich.core.models import Source
from enrich.readers.base import ReadOptions, ReadResult
from enrich.readers.records import columns_for, paper_from_record

_WRAPPERS = ("papers", "records", "items", "data", "results", "entries")


class JsonReader:
    """One record per line (JSONL), or one JSON document holding the records."""

    name = "json"
    extensions: tuple[str, ...] = (".jsonl", ".ndjson", ".json")

    def sniff(self, text: str) -> bool:
        return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        result = ReadResult()
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            records = self._lines(text, path, result)
        else:
            records = self._document(document, path, result)
        for line, record in records:
            self._add(record, line, path, options, result)
        return result

    def _document(
        self, document: object, path: str, result: ReadResult
    ) -> list[tuple[int | None, object]]:
        if isinstance(document, Mapping):
            wrapped = next(
                (document[k] for k in _WRAPPERS if isinstance(document.get(k), list)), None
            )
            if wrapped is None:
                return [(1, document)]
            document = wrapped
        if isinstance(document, list):
            return [(None, item) for item in document]
        result.warn(path, "JSON document is neither an object nor a list of objects", 1)
        return []

    def _lines(self, text: str, path: str, result: ReadResult) -> list[tuple[int | None, object]]:
        records: list[tuple[int | None, object]] = []
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append((number, json.loads(line)))
            except json.JSONDecodeError as err:
                last = all(not rest.strip() for rest in lines[number:])
                what = "truncated last record" if last else "malformed JSON"
                result.warn(path, f"{what} ({err.msg} at column {err.colno}); line skipped", number)
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
