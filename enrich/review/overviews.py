"""overviews.json: the written overviews of a run (`enrich summarize`), kept beside summary.md
so that `enrich report` (and a rerun's review outputs) show them again without asking a model.

They are shown only while they fit the run: written for its run id (a new extraction makes
them stale) and citing only papers of the run in their scope (`core/overview.current_overviews`).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError

from enrich.core.overview import OverviewsFile, StoredOverview, current_overviews
from enrich.core.records import PaperRecord
from enrich.core.tables import build_tables
from enrich.errors import UsageError
from enrich.export import atomic_write_text
from enrich.review import RunFiles
from enrich.review.digest import write_tally
from enrich.review.tally import Tally

OVERVIEWS_FILE = "overviews.json"
PAGE = 500  # papers tallied at a time
_FIX = "rerun `enrich summarize OUT`, or delete the file"


def read_overviews(folder: Path, *, strict: bool = True) -> OverviewsFile | None:
    """The overviews kept in `folder`, None when there are none. A broken file names the fix,
    or counts as none when not `strict`: rebuilding a run's review outputs must not fail on
    it (summary.md then shows no overviews; `enrich summarize` writes the file anew)."""
    path = folder / OVERVIEWS_FILE
    if not path.is_file():
        return None
    try:
        return OverviewsFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # ValidationError is a ValueError
        if not strict:
            return None
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise UsageError(f"{path}: not an overviews file ({reason})", _FIX) from exc


def write_overviews(folder: Path, overviews: OverviewsFile) -> Path:
    """Write overviews.json atomically; returns its path."""
    path = folder / OVERVIEWS_FILE
    atomic_write_text(path, overviews.model_dump_json(indent=2) + "\n")
    return path


class CitedPresence:
    """Which of the papers some overview cites are in the run, noted page by page (memory
    grows with the citations, not the corpus)."""

    def __init__(self, overviews: OverviewsFile | None) -> None:
        self.cited = overviews.cited_ids() if overviews is not None else set()
        self.present: set[str] = set()

    def add(self, records: Collection[PaperRecord]) -> None:
        self.present.update(r.id for r in records if r.id in self.cited)


def shown_overviews(
    overviews: OverviewsFile | None, run_id: str | None, tally: Tally, presence: CitedPresence
) -> tuple[OverviewsFile | None, list[str]]:
    """The overviews summary.md may show for this run, and a warning per one left out: a
    profile's may cite only that profile's papers, the corpus's any paper of the run."""
    if overviews is None:
        return None, []
    members = {label: set(ids) for label, ids in zip(tally.labels, tally.member_ids(), strict=True)}

    def allowed(overview: StoredOverview) -> Collection[str]:
        if overview.scope == "corpus":
            return presence.present
        return members.get(overview.label, set())

    return current_overviews(overviews, run_id, allowed)


def rewrite_summary(
    files: RunFiles, into: Path, overviews: OverviewsFile | None
) -> tuple[Path, list[str]]:
    """summary.md for the run in `files`, written into `into` with the overviews that fit the
    run; returns its path and the warnings about those left out."""
    tally = Tally(files.profiles)
    presence = CitedPresence(overviews)
    for page in files.pages(PAGE):
        tally.add(build_tables(page), page)
        presence.add(page)
    shown, warnings = shown_overviews(overviews, files.run.get("run_id"), tally, presence)
    return write_tally(into, tally, files.run, shown), warnings
