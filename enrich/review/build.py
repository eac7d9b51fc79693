"""Rebuild every review output of a run folder from its own files, in one call.

`enrich CORPUS` calls it after writing papers.jsonl; `enrich report OUT_DIR` calls it alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from enrich.core.tables import Tables, build_tables
from enrich.review import RunFiles, html_report, load_run
from enrich.review.digest import write_tally
from enrich.review.overviews import CitedPresence, read_overviews, shown_overviews
from enrich.review.tabular import SQLITE_FILE, CsvWriter, SqliteWriter
from enrich.review.tally import Tally
from enrich.run_folder import publish

T = TypeVar("T")

# The extra pages of a split report.html: an earlier, larger run's are removed when published.
_REPORT_PAGES = ("report-*.html",)


def write_review(files: RunFiles) -> dict[str, int]:
    """CSV tables, enrich.sqlite, report.html (split into pages past `PAGE_PAPERS` papers)
    and summary.md (with the overviews of overviews.json that still fit the run), from
    papers.jsonl read one report page of papers at a time, so memory stays bounded whatever
    the corpus; returns {file: rows or papers}."""
    folder = files.folder
    total = files.count()
    tally = Tally(files.profiles)
    overviews = read_overviews(files.papers.parent, strict=False)
    presence = CitedPresence(overviews)
    with CsvWriter(folder) as csvs, SqliteWriter(folder / SQLITE_FILE, files.run) as db:
        number = 0
        for number, page in enumerate(files.pages(html_report.PAGE_PAPERS), 1):
            tables = build_tables(page)
            csvs.add(tables)
            db.add(tables)
            html_report.write_page(
                folder, tables, files.profiles, files.run, number=number, total=total
            )
            tally.add(tables, page)
            presence.add(page)
        if number == 0:  # an empty run still has its (empty) report
            html_report.write_page(folder, Tables(), files.profiles, files.run)
    shown, _ = shown_overviews(overviews, files.run.get("run_id"), tally, presence)
    write_tally(folder, tally, files.run, shown)
    written = dict(csvs.counts)
    written[SQLITE_FILE] = sum(db.counts.values())
    written["report.html"] = tally.papers
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
