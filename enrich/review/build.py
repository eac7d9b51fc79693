"""Rebuild every review output of a run folder from its own files, in one call.

`enrich CORPUS` calls it after writing papers.jsonl; `enrich report OUT_DIR` calls it alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from enrich.review import RunFiles, load_run
from enrich.review.digest import write_summary
from enrich.review.html_report import write_report
from enrich.review.tabular import SQLITE_FILE, write_csvs, write_sqlite
from enrich.run_folder import publish

T = TypeVar("T")

# The extra pages of a split report.html: an earlier, larger run's are removed when published.
_REPORT_PAGES = ("report-*.html",)


def write_review(files: RunFiles) -> dict[str, int]:
    """CSV tables, enrich.sqlite, report.html and summary.md; returns {file: rows or papers}."""
    tables = files.tables()
    folder = files.folder
    written = write_csvs(folder, tables)
    counts = write_sqlite(folder / SQLITE_FILE, tables, files.run)
    written[SQLITE_FILE] = sum(counts.values())
    write_report(folder, tables, files.profiles, files.run)
    written["report.html"] = len(tables.papers)
    write_summary(folder, tables, files.profiles, files.run, files.records)
    written["summary.md"] = len(files.profiles)
    return written


def publish_run(
    folder: Path, write: Callable[[Path], T], on_wait: Callable[[], None] | None = None
) -> T:
    """`write` a run folder's outputs into staging and publish them as one set: enrich.sqlite
    is carried over (its `runs` history grows), stale pages of a split report are removed."""
    return publish(folder, write, carry=(SQLITE_FILE,), owned=_REPORT_PAGES, on_wait=on_wait)


def rebuild(folder: Path, into: Path | None = None) -> dict[str, int]:
    """`write_review` of the run saved in `folder`, written into `into` (default: `folder`)."""
    files = load_run(folder)
    return write_review(files if into is None else replace(files, folder=into))
