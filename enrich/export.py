"""Write papers as JSON Lines or CSV, atomically when writing to a file."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from enrich.core.models import Paper

CSV_COLUMNS = (
    "id", "title", "authors", "authors_truncated", "year", "date", "category", "score",
    "has_code", "code_urls", "doi", "arxiv_id", "url", "affiliations", "sources", "abstract",
)  # fmt: skip


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """None -> empty, booleans -> true/false, and no cell a spreadsheet would run as a formula:
    the CSV convention of every table enrich writes.

    Text starting with `= + - @`, tab or CR gets a leading `'` (OWASP), even text that looks
    like a number ("-0.5" as a title is text). Actual numbers (int/float values, from numeric
    columns such as score or a gain's value) are written unchanged, so "-0.5" stays a number
    for pandas and spreadsheets: str() of a number never starts a formula.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_row(paper: Paper) -> dict[str, str]:
    """A flat row: lists joined with "; ", sources as `path:line`."""
    data = paper.model_dump()
    row = {key: csv_cell(data[key]) for key in CSV_COLUMNS if key in data}
    row["authors"] = csv_cell("; ".join(paper.authors))
    row["affiliations"] = csv_cell("; ".join(paper.affiliations))
    row["code_urls"] = csv_cell(" ".join(paper.code_urls))
    row["sources"] = csv_cell(
        "; ".join(s.path if s.line is None else f"{s.path}:{s.line}" for s in paper.sources)
    )
    return row


def write_jsonl(papers: Iterable[Paper], stream: TextIO) -> None:
    for paper in papers:
        stream.write(json.dumps(paper.model_dump(mode="json"), ensure_ascii=False) + "\n")


def write_csv(papers: Iterable[Paper], stream: TextIO) -> None:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for paper in papers:
        writer.writerow(csv_row(paper))


def render(papers: Sequence[Paper], fmt: str) -> str:
    """The papers as text in `fmt` ("jsonl" or "csv")."""
    buffer = io.StringIO()
    (write_csv if fmt == "csv" else write_jsonl)(papers, buffer)
    return buffer.getvalue()


def shareable(path: str | Path) -> None:
    """Give a temporary file the usual permissions (mkstemp makes it 0600): outputs are meant
    to be read by others (Datasette, a shared folder)."""
    mask = os.umask(0)
    os.umask(mask)
    Path(path).chmod(0o666 & ~mask)


@contextmanager
def atomic_file(path: Path) -> Iterator[TextIO]:
    """A text file written a piece at a time into a temporary file in the same folder and
    renamed over `path` when the block ends without error, so readers never see half of it;
    on an error the temporary file is removed and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        shareable(tmp)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half."""
    with atomic_file(path) as handle:
        handle.write(text)
