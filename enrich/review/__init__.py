"""Review outputs of a run: long CSV tables, enrich.sqlite, report.html and summary.md.

All are rebuilt from the run's own files (papers.jsonl, profiles.json, run.json), so
`enrich report OUT_DIR` reproduces them without re-extracting.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from enrich.core.manifest import RunSummary
from enrich.core.records import PaperRecord
from enrich.core.tables import Tables, build_tables
from enrich.errors import UsageError

PAPERS_FILE = "papers.jsonl"
PROFILES_FILE = "profiles.json"
RUN_FILE = "run.json"


@dataclass
class RunFiles:
    """What a run left in its folder: papers.jsonl (read a page at a time, never all at once),
    profiles.json and run.json (parsed). `folder` is where review outputs go."""

    folder: Path
    papers: Path
    profiles: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)

    def records(self) -> Iterator[PaperRecord]:
        """Each paper record in file order; a line that is not one names its number."""
        with self.papers.open("rb") as lines:
            for number, raw in enumerate(lines, 1):
                try:
                    line = raw.decode("utf-8")
                    record = json.loads(line) if line.strip() else None
                except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError alike
                    reason = (
                        "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.args[0]
                    )
                    raise UsageError(
                        f"{self.papers}:{number}: not a JSON record ({reason})", _REWRITE
                    ) from exc
                if record is None:
                    continue
                try:
                    yield PaperRecord.model_validate(record)
                except ValidationError as exc:
                    raise UsageError(
                        f"{self.papers}:{number}: not a paper record ({_first_error(exc)})",
                        _REWRITE,
                    ) from exc

    def pages(self, size: int) -> Iterator[list[PaperRecord]]:
        """The records, `size` at a time."""
        records = self.records()
        while page := list(islice(records, size)):
            yield page

    def count(self) -> int:
        """How many records there are (non-blank lines; `records` checks each one)."""
        with self.papers.open("rb") as lines:
            return sum(1 for raw in lines if raw.strip())

    def tables(self) -> Tables:
        """All rows at once: for a run small enough to hold (`enrich show` without sqlite)."""
        return build_tables(list(self.records()))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{path}: not readable JSON ({exc})", "rerun `enrich CORPUS --out DIR`"
        ) from exc


_REWRITE = "rerun `enrich CORPUS --out DIR` to rewrite it"


def _first_error(exc: ValidationError) -> str:
    """The first problem pydantic found, as `where: what`."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the record"
    return f"{where}: {first['msg']}"


def load_run(folder: Path) -> RunFiles:
    """A run's folder, checked: a missing papers.jsonl, or a broken profiles.json or run.json,
    names the file and the fix (papers.jsonl's lines are checked as they are read)."""
    papers = folder / PAPERS_FILE
    if not papers.is_file():
        raise UsageError(
            f"{papers}: no such file",
            f"pass the --out folder of a run, or create one with `enrich CORPUS --out {folder}`",
        )
    profiles_path, run_path = folder / PROFILES_FILE, folder / RUN_FILE
    profiles = _read_json(profiles_path) if profiles_path.is_file() else []
    if not isinstance(profiles, list) or not all(isinstance(p, dict) for p in profiles):
        raise UsageError(f"{profiles_path}: not a list of profile objects", _REWRITE)
    run = _read_json(run_path) if run_path.is_file() else {}
    try:
        RunSummary.model_validate(run)  # the figures have their types; older files load
    except ValidationError as exc:
        raise UsageError(f"{run_path}: {_first_error(exc)}", _REWRITE) from exc
    return RunFiles(folder, papers, list(profiles), dict(run))
