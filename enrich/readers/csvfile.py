"""CSV and TSV exports with a header row; the delimiter is detected."""

from __future__ import annotations

import csv
import io

from enrich.core.models import Source
from enrich.readers.base import ReadOptions, ReadResult
from enrich.readers.records import columns_for, paper_from_record

_DELIMITERS = ",\t;|"


class CsvReader:
    """Rows of a spreadsheet export; a row's line is where it starts (cells may hold newlines)."""

    name = "csv"
    extensions: tuple[str, ...] = (".csv", ".tsv")

    def sniff(self, text: str) -> bool:
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        return any(first.count(d) >= 1 for d in _DELIMITERS) and "title" in first.lower()

    def _dialect(self, text: str) -> type[csv.Dialect] | csv.Dialect:
        sample = text[:16384]
        try:
            return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
        except csv.Error:
            header = sample.split("\n", 1)[0]
            return csv.excel_tab if header.count("\t") > header.count(",") else csv.excel

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        result = ReadResult()
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), self._dialect(text))
        try:
            header = next(reader)
        except StopIteration:
            return result
        columns = columns_for(header, options)
        if "title" not in columns and "abstract" not in columns:
            result.warn(
                path,
                f"no title or abstract column among {', '.join(header)}; "
                "pass --field title=COLUMN --field abstract=COLUMN",
                1,
            )
            return result
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                result.warn(path, f"unreadable row ({err}); skipped", start)
                break
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                result.warn(
                    path, f"row has {len(row)} cells, the header has {len(header)}; skipped", line
                )
                continue
            paper = paper_from_record(
                dict(zip(header, row, strict=True)),
                columns,
                source=Source(path=path, line=line, format=self.name),
            )
            if isinstance(paper, str):
                result.warn(path, f"{paper}; skipped", line)
            else:
                result.papers.append(paper)
        return result


READER = CsvReader()
