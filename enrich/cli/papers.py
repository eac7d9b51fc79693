"""`enrich papers`: list the parsed, de-duplicated papers of a corpus."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from enrich.cli.options import CorpusArg, FieldOpt, QuietOpt
from enrich.core.models import Paper
from enrich.errors import UsageError
from enrich.export import atomic_write_text, render
from enrich.ingest import Corpus, read_corpus
from enrich.readers.base import ReadOptions
from enrich.readers.records import FIELD_NAMES

MAX_WARNINGS_SHOWN = 50


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


def report(corpus: Corpus, console: Console) -> None:
    """Warnings (capped) and the one-line summary, on stderr."""
    for diagnostic in corpus.warnings[:MAX_WARNINGS_SHOWN]:
        console.print(f"warning: {diagnostic}", markup=False, highlight=False)
    hidden = len(corpus.warnings) - MAX_WARNINGS_SHOWN
    if hidden > 0:
        console.print(f"... and {hidden} more warnings", markup=False)
    console.print(corpus.summary(), markup=False, highlight=False)


def _table(papers: list[Paper]) -> Table:
    table = Table(show_lines=False, expand=True)
    for column, style in (("#", "dim"), ("year", ""), ("cat", ""), ("title", "bold"),
                          ("authors", ""), ("src", "dim")):  # fmt: skip
        table.add_column(column, style=style or None, overflow="fold")
    for index, paper in enumerate(papers, 1):
        authors = ", ".join(paper.authors[:2])
        if len(paper.authors) > 2 or paper.authors_truncated:
            authors += " et al."
        table.add_row(
            str(index),
            str(paper.year or ""),
            paper.category or "",
            paper.title,
            authors,
            str(len(paper.sources)),
        )
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
    quiet: QuietOpt = False,
) -> None:
    """List the papers found in CORPUS, de-duplicated across files.

    Reads researcher profile dumps, JSON Lines/JSON/CSV exports, BibTeX, arXiv Atom and OAI XML,
    and plain-text or Markdown files; the format is chosen by extension and content. The same
    paper found in several files (same DOI, arXiv id or title) is listed once with all its
    sources. Problems with a file are reported as warnings and the rest is still read.
    """
    options = ReadOptions(field_map=parse_field_map(field or []))
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
