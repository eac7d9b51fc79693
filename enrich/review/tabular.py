"""A run's tables as long CSV files and one SQLite database, for analysts' own tools.

Both are written from the same `Tables` rows and the same column lists, so a CSV file and its
SQLite table always hold the same rows. Every file is replaced atomically: a failed write leaves
the previous file (or nothing), never half a table. The SQLite `runs` table is the exception to
"rebuilt from this run only": it keeps the rows of earlier runs, so one database file collects
the history of an output folder.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack, closing
from pathlib import Path
from types import TracebackType
from typing import Any

from enrich.core.registry import BY_NAME, EXTRACTED
from enrich.core.tables import ITEM_FIELDS, GainRow, ItemRow, PaperRow, Tables
from enrich.errors import EnrichError
from enrich.export import atomic_file, csv_cell, shareable

SQLITE_FILE = "enrich.sqlite"

PAPER_COLUMNS = tuple(f.name for f in dataclasses.fields(PaperRow))
ITEM_COLUMNS = (
    "paper_id", "position", "name", "canonical", "text", "start", "end", "grounded", "source",
)  # fmt: skip
METHOD_COLUMNS = (*ITEM_COLUMNS, "role")
GAIN_COLUMNS = (
    "paper_id", "position", "metric", "metric_canonical", "value", "unit", "kind", "baseline",
    "baseline_value", "dataset", "dataset_canonical", "text", "start", "end", "grounded", "source",
)  # fmt: skip
RUN_COLUMNS = (
    "run_id", "finished_at", "backend", "model", "endpoint", "prompt_hash", "schema_hash", "papers",
    "extracted", "failures", "wall_seconds",
)  # fmt: skip

# Indexed columns per table: the ones analysts group and filter by.
INDEXES: dict[str, tuple[str, ...]] = {
    **{spec.name: ("canonical", "role") if spec.has_role else ("canonical",) for spec in EXTRACTED},
    "gains": tuple(spec.gain_column for spec in EXTRACTED if spec.gain_column),
}

Row = PaperRow | ItemRow | GainRow


def _columns(table: str) -> tuple[str, ...]:
    if table == "papers":
        return PAPER_COLUMNS
    if table == "gains":
        return GAIN_COLUMNS
    return METHOD_COLUMNS if BY_NAME[table].has_role else ITEM_COLUMNS


CSV_TABLES = ("papers", *ITEM_FIELDS, "gains")  # one CSV file and one SQLite table each


def _rows(tables: Tables) -> dict[str, Sequence[Row]]:
    """Rows per output table, in the order the files and tables are written (papers first)."""
    out: dict[str, Sequence[Row]] = {"papers": tables.papers}
    for name in ITEM_FIELDS:
        out[name] = tables.field_items(name)
    out["gains"] = tables.gains
    return out


def _values(row: Row, columns: Sequence[str]) -> tuple[object, ...]:
    return tuple(getattr(row, column) for column in columns)


def csv_value(value: object) -> object:
    """A row value as a CSV cell: a list of names "; "-joined."""
    return "; ".join(value) if isinstance(value, tuple) else value


def sql_value(value: object) -> object:
    """A row value as an SQLite value: a list of names as a JSON array (`json_each` reads it)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, tuple) else value


# ---------------------------------------------------------------------------------------- CSV


def render_csv(columns: Sequence[str], rows: Iterable[tuple[object, ...]]) -> str:
    """A header row, then one line per row (RFC 4180 quoting, "\\n" line ends); every cell
    through `csv_cell`, so no text cell can run as a spreadsheet formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


class CsvWriter:
    """papers.csv, methods.csv, tasks.csv, datasets.csv, metrics.csv and gains.csv (long tables
    keyed by paper_id), a page of rows at a time; each file is renamed into place by `close`
    (a failed run leaves the previous files)."""

    def __init__(self, folder: Path) -> None:
        self._files = ExitStack()
        self._writers: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        try:
            for table in CSV_TABLES:
                handle = self._files.enter_context(atomic_file(folder / f"{table}.csv"))
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(_columns(table))
                self._writers[table] = writer
                self.counts[f"{table}.csv"] = 0
        except BaseException:
            self._files.close()
            raise

    def add(self, tables: Tables) -> None:
        for table, rows in _rows(tables).items():
            columns = _columns(table)
            self._writers[table].writerows(
                [csv_cell(csv_value(value)) for value in _values(row, columns)] for row in rows
            )
            self.counts[f"{table}.csv"] += len(rows)

    def __enter__(self) -> CsvWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._files.__exit__(exc_type, exc, tb)  # renamed into place, or removed on an error


def write_csvs(folder: Path, tables: Tables) -> dict[str, int]:
    """The CSV files of a run held in memory; return {file name: data row count}."""
    with CsvWriter(folder) as writer:
        writer.add(tables)
    return writer.counts


# ------------------------------------------------------------------------------------- SQLite


def _sql_type(row_type: type, column: str) -> str:
    """The column's SQLite type from the row model's annotation, so the two cannot drift."""
    annotation = str(next(f.type for f in dataclasses.fields(row_type) if f.name == column))
    base = "TEXT"
    if "float" in annotation:
        base = "REAL"
    elif "int" in annotation or "bool" in annotation:
        base = "INTEGER"
    return base if "None" in annotation else f"{base} NOT NULL"


def _create_statements(table: str) -> list[str]:
    row_type: type = PaperRow if table == "papers" else GainRow if table == "gains" else ItemRow
    columns = [f'"{c}" {_sql_type(row_type, c)}' for c in _columns(table)]
    if table == "papers":
        keys = ["PRIMARY KEY (paper_id)"]
    else:
        keys = [
            "PRIMARY KEY (paper_id, position)",
            "FOREIGN KEY (paper_id) REFERENCES papers(paper_id)",
        ]
    statements = [f"CREATE TABLE {table} ({', '.join(columns + keys)})"]
    statements += [
        f'CREATE INDEX idx_{table}_{column} ON {table} ("{column}")'
        for column in INDEXES.get(table, ())
    ]
    return statements


RUNS_TABLE = (
    "CREATE TABLE runs (run_id TEXT PRIMARY KEY, finished_at TEXT NOT NULL, backend TEXT, "
    "model TEXT NOT NULL, endpoint TEXT, prompt_hash TEXT, schema_hash TEXT, papers INTEGER, "
    "extracted INTEGER, failures INTEGER, wall_seconds REAL, run_json TEXT NOT NULL)"
)


def _run_key(run: Mapping[str, object]) -> str | None:
    """run.json's unique `run_id`; for runs recorded before it existed, finished_at and model.
    None when run.json says none of them."""
    if run.get("run_id"):
        return str(run["run_id"])
    finished, model = run.get("finished_at"), run.get("model")
    if not finished and not model:
        return None
    return f"{finished or ''} {model or ''}"


def _earlier_runs(path: Path) -> list[dict[str, object]]:
    """The run.json of every run already recorded in `path`, oldest first."""
    if not path.exists():
        return []
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as old:
            has_runs = old.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
            ).fetchone()
            query = "SELECT run_json FROM runs ORDER BY rowid"
            stored = old.execute(query).fetchall() if has_runs else []
    except sqlite3.DatabaseError as exc:
        raise EnrichError(
            f"{path}: not an enrich database ({exc})",
            "move it aside or delete it; its run history cannot be kept",
        ) from exc
    runs: list[dict[str, object]] = []
    for (text,) in stored:
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(value, dict):
            runs.append(value)
    return runs


def _run_values(run: Mapping[str, object]) -> tuple[object, ...]:
    """One `runs` row: the key columns never NULL, nested values as text, run.json in full."""
    given = {
        "run_id": _run_key(run) or "",
        "finished_at": str(run.get("finished_at") or ""),
        "model": str(run.get("model") or ""),
    }
    values: list[object] = []
    for column in RUN_COLUMNS:
        value = given.get(column, run.get(column))
        simple = value is None or isinstance(value, str | int | float)
        values.append(value if simple else json.dumps(value, ensure_ascii=False))
    return (*values, json.dumps(run, ensure_ascii=False))


def _insert(db: sqlite3.Connection, table: str, rows: Iterable[Row]) -> None:
    columns = _columns(table)
    marks = ", ".join("?" * len(columns))
    quoted = ", ".join(f'"{c}"' for c in columns)
    try:
        db.executemany(
            f"INSERT INTO {table} ({quoted}) VALUES ({marks})",
            # streamed: no second copy of the rows
            (tuple(map(sql_value, _values(row, columns))) for row in rows),
        )
    except sqlite3.IntegrityError as exc:
        raise EnrichError(
            f"{table}: rows clash ({exc}): a repeated or unknown paper id",
            "rerun `enrich CORPUS --out DIR` to rewrite it",
        ) from exc


class SqliteWriter:
    """The database at `path` (usually OUT/enrich.sqlite) built from this run's rows, a page
    at a time, keeping earlier runs' rows in `runs`. Built in a temporary file beside `path`
    and renamed over it when the block ends, so a failure leaves the old database untouched."""

    def __init__(self, path: Path, run: Mapping[str, object]) -> None:
        self.path = path
        self.runs: list[Mapping[str, object]] = []
        seen: set[str] = set()
        for candidate in [*_earlier_runs(path), run]:
            key = _run_key(candidate)
            if key is not None and key not in seen:
                seen.add(key)
                self.runs.append(candidate)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        self._tmp = Path(tmp_name)
        self.counts: dict[str, int] = {}
        try:
            self._db = sqlite3.connect(self._tmp)
            self._db.execute("PRAGMA foreign_keys = ON")
            for table in CSV_TABLES:
                for statement in _create_statements(table):
                    self._db.execute(statement)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise

    def add(self, tables: Tables) -> None:
        """One page's rows, committed together."""
        with self._db:
            for table, rows in _rows(tables).items():
                _insert(self._db, table, rows)

    def _finish(self) -> None:
        db = self._db
        with db:
            db.execute(RUNS_TABLE)
            marks = ", ".join("?" * (len(RUN_COLUMNS) + 1))
            db.executemany(
                f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}, run_json) VALUES ({marks})",
                [_run_values(run) for run in self.runs],
            )
        self.counts = {
            name: int(db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0])
            for name in (*CSV_TABLES, "runs")
        }

    def __enter__(self) -> SqliteWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        try:
            if exc_type is None:
                self._finish()
        finally:
            self._db.close()
        if exc_type is not None:
            self._tmp.unlink(missing_ok=True)
            return
        try:
            shareable(self._tmp)
            self._tmp.replace(self.path)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise


def write_sqlite(path: Path, tables: Tables, run: Mapping[str, object]) -> dict[str, int]:
    """The database of a run held in memory; return {table: row count}."""
    with SqliteWriter(path, run) as writer:
        writer.add(tables)
    return writer.counts
