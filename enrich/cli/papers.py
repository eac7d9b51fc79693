"""`enrich papers`: list the parsed, de-duplicated papers of a corpus."""

from __future__ import annotations

import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from enrich.cli.options import CorpusArg, FieldOpt, MaxAbstractCharsOpt, QuietOpt
from enrich.core.models import Paper
from enrich.errors import UsageError
from enrich.export import atomic_write_text, render
from enrich.ingest import Corpus, read_corpus
from enrich.readers.base import ReadOptions
from enrich.readers.records import FIELD_NAMES

MAX_WARNINGS_SHOWN = 50
# Terminal escape sequences: CSI (colours, cursor moves), OSC (window title, hyperlinks) up to
# BEL or ST, and any other ESC + final byte; 8-bit CSI too.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
# What is left of C0, DEL and C1, and the bidi overrides that reorder what a line shows.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class Format(StrEnum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"


def parse_field_map(pairs: list[str]) -> dict[str, str]:
    """`["abstract=Summary"]` -> {"abstract": "Summary"}, checking our field names."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        ours, theirs = ours.strip().lower(), theirs.strip()
        if not sep or not ours or not theirs:
            raise UsageError(
                f"--field {pair!r} is not FIELD=COLUMN", "e.g. --field abstract=Summary"
            )
        if ours not in FIELD_NAMES:
            raise UsageError(
                f"--field {pair!r}: unknown field {ours!r}",
                "fields are: " + ", ".join(sorted(FIELD_NAMES)),
            )
        mapping[ours] = theirs
    return mapping


def read_options(field: list[str] | None, max_abstract_chars: int | None) -> ReadOptions:
    """The reading options of the corpus-reading commands, built in one place for all of them."""
    if max_abstract_chars is None:
        return ReadOptions(field_map=parse_field_map(field or []))
    return ReadOptions(
        field_map=parse_field_map(field or []), max_abstract_chars=max_abstract_chars
    )


def report(corpus: Corpus, console: Console) -> None:
    """Warnings (capped) and the one-line summary, on stderr."""
    for diagnostic in corpus.warnings[:MAX_WARNINGS_SHOWN]:
        console.print(terminal_cell(f"warning: {diagnostic}"), highlight=False)  # file names too
    hidden = len(corpus.warnings) - MAX_WARNINGS_SHOWN
    if hidden > 0:
        console.print(f"... and {hidden} more warnings", markup=False)
    console.print(corpus.summary(), markup=False, highlight=False)


def terminal_cell(value: object) -> Text:
    """Corpus or model text for a rich table cell: escape sequences and control characters
    removed (line breaks and tabs become spaces), and a `Text`, so `[...]` is never markup.
    A title must not recolour, retitle or rewrite the user's terminal."""
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    return Text(_CONTROL_CHARS.sub("", re.sub(r"[\t\n\v\f\r]", " ", text)))


def _table(papers: list[Paper]) -> Table:
    table = Table(show_lines=False, expand=True)
    for column, style in (("#", "dim"), ("year", ""), ("cat", ""), ("title", "bold"),
                          ("authors", ""), ("src", "dim")):  # fmt: skip
        table.add_column(column, style=style or None, overflow="fold")
    for index, paper in enumerate(papers, 1):
        authors = ", ".join(paper.authors[:2])
        if len(paper.authors) > 2 or paper.authors_truncated:
            authors += " et al."
        cells = [index, paper.year or "", paper.category or "", paper.title, authors]
        table.add_row(*(terminal_cell(c) for c in [*cells, len(paper.sources)]))
    return table


def papers(
    corpus: CorpusArg,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format. Default: a table on the terminal, or from --out's extension "
            "(.csv -> csv, else jsonl).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write to this file (atomically) instead of stdout.",
        ),
    ] = None,
    field: FieldOpt = None,
    max_abstract_chars: MaxAbstractCharsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """List the papers found in CORPUS, de-duplicated across files.

    Reads researcher profile dumps, JSON Lines/JSON/CSV exports, BibTeX, arXiv Atom and OAI XML,
    and plain-text or Markdown files; the format is chosen by extension and content. The same
    paper found in several files (same DOI, arXiv id or title) is listed once with all its
    sources. Problems with a file are reported as warnings and the rest is still read.
    """
    options = read_options(field, max_abstract_chars)
    result = read_corpus(corpus, options)
    if fmt is None:
        fmt = (
            (Format.csv if out.suffix.lower() == ".csv" else Format.jsonl) if out else Format.table
        )
    if fmt is Format.table:
        if out is not None:
            raise UsageError("--format table cannot be written to a file", "use jsonl or csv")
        Console().print(_table(result.papers))
    else:
        text = render(result.papers, fmt.value)
        if out is None:
            sys.stdout.write(text)
        else:
            atomic_write_text(out, text)
    if not quiet:
        report(result, Console(stderr=True, soft_wrap=True))
