"""Review outputs of a run: long CSV tables, enrich.sqlite, report.html and summary.md.

All are rebuilt from the run's own files (papers.jsonl, profiles.json, run.json), so
`enrich report OUT_DIR` reproduces them without re-extracting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enrich.core.tables import Tables, build_tables
from enrich.errors import UsageError

PAPERS_FILE = "papers.jsonl"
PROFILES_FILE = "profiles.json"
RUN_FILE = "run.json"


@dataclass
class RunFiles:
    """What a run left in its folder, parsed."""

    folder: Path
    records: list[dict[str, Any]]
    profiles: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> Tables:
        return build_tables(self.records)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{path}: not readable JSON ({exc})", "rerun `enrich CORPUS --out DIR`"
        ) from exc


def load_run(folder: Path) -> RunFiles:
    """Read a run's folder; a missing or broken papers.jsonl names the file and the fix."""
    papers = folder / PAPERS_FILE
    if not papers.is_file():
        raise UsageError(
            f"{papers}: no such file",
            f"pass the --out folder of a run, or create one with `enrich CORPUS --out {folder}`",
        )
    records: list[dict[str, Any]] = []
    with papers.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise UsageError(
                    f"{papers}:{number}: not a JSON record ({exc.args[0]})",
                    "rerun `enrich CORPUS --out DIR` to rewrite it",
                ) from exc
            if not isinstance(record, dict) or "id" not in record:
                raise UsageError(
                    f"{papers}:{number}: not a paper record (no id)",
                    "rerun `enrich CORPUS --out DIR` to rewrite it",
                )
            records.append(record)
    profiles_path, run_path = folder / PROFILES_FILE, folder / RUN_FILE
    profiles = _read_json(profiles_path) if profiles_path.is_file() else []
    run = _read_json(run_path) if run_path.is_file() else {}
    return RunFiles(
        folder,
        records,
        list(profiles) if isinstance(profiles, list) else [],
        dict(run) if isinstance(run, Mapping) else {},
    )
