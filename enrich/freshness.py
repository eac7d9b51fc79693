"""Whether an output folder already holds the outputs of this very run.

A rerun with nothing changed — the same corpus files, reading options, backend, model,
endpoint, parameters, prompts, policies and enrich itself — would write the same outputs. Its
run.json records a digest of all of those (`inputs_digest`); when a new run's digest is the
same, the previous run had no failures and its outputs are all there, the run is skipped. The
digest reads the corpus files' bytes (hashing is far cheaper than reading them), never opens
what is not a regular file, and covers every file of the installed package, so editing the code
or its data counts as a change.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from enrich.core.manifest import RunSummary
from enrich.ingest import iter_files
from enrich.readers.base import ReadOptions
from enrich.review import PAPERS_FILE, PROFILES_FILE, RUN_FILE
from enrich.review.digest import SUMMARY_FILE
from enrich.review.html_report import REPORT_FILE
from enrich.review.tabular import CSV_TABLES, SQLITE_FILE

PACKAGE = Path(__file__).resolve().parent
# What a complete run folder holds besides report pages past the first.
OUTPUTS = (
    PAPERS_FILE, PROFILES_FILE, RUN_FILE, SQLITE_FILE, REPORT_FILE, SUMMARY_FILE,
    *(f"{table}.csv" for table in CSV_TABLES),
)  # fmt: skip


@cache
def code_fingerprint() -> str:
    """A digest of every file of the enrich package (code, model, prompts), in path order."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(PACKAGE, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")) or name.startswith("."):
                continue
            path = Path(root) / name
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path, cap: int) -> str:
    """The file's content digest; a marker for what ingest would skip unread."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"unreadable {exc.errno}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_size > cap:
        return f"over the cap {info.st_size}"
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        return f"unreadable {exc.errno}"
    return digest.hexdigest()


def inputs_digest(
    paths: Sequence[Path], options: ReadOptions, settings: Mapping[str, object]
) -> str:
    """A digest of everything a run's outputs depend on: enrich's own files, `settings` (what
    identifies the backend and its parameters, prompt and schema hashes, policies), the
    reading options, and each corpus file ingest would read, by path and content."""
    digest = hashlib.sha256(code_fingerprint().encode())
    chosen = {"settings": settings, "read": {**asdict(options), "field_map": options.field_map}}
    digest.update(json.dumps(chosen, sort_keys=True, default=str).encode())
    for path, explicit in iter_files(paths):
        digest.update(f"\0{path}\0{explicit}\0".encode())
        digest.update(_file_digest(path, options.max_file_bytes).encode())
    return digest.hexdigest()


def finished_run(folder: Path, digest: str) -> RunSummary | None:
    """The run already in `folder` when it was made from the same inputs, had no failures and
    left all its outputs; else None."""
    try:
        summary = RunSummary.model_validate_json((folder / RUN_FILE).read_bytes())
    except (OSError, ValidationError):
        return None
    if summary.inputs_digest != digest or summary.failures:
        return None
    if not all((folder / name).is_file() for name in OUTPUTS):
        return None
    return summary
