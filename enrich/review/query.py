"""A run's enrich.sqlite read back as rows, only for the papers a query keeps.

`enrich show` answers from here: the filters run in SQLite (a substring of a grounded item's
canonical name in the field asked, or of a gain's metric or dataset), so a query on a large
run reads the matching papers, not the whole papers.jsonl.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

from enrich.core.registry import BY_NAME, EXTRACTED, FIELDS
from enrich.core.tables import GainRow, ItemRow, PaperRow, Tables
from enrich.errors import UsageError
from enrich.review.tabular import GAIN_COLUMNS, ITEM_COLUMNS, PAPER_COLUMNS

R = TypeVar("R", PaperRow, ItemRow, GainRow)

# Gains answer these filters too, by their metric's or dataset's canonical name.
_GAIN_COLUMN = {spec.name: spec.gain_column for spec in EXTRACTED if spec.gain_column}


def _matching(db: sqlite3.Connection, filters: Mapping[str, str]) -> set[str] | None:
    """Ids of the papers matching every filter; None when there is no filter."""
    ids: set[str] | None = None
    for field, query in filters.items():
        sql = f'SELECT paper_id FROM "{field}" WHERE grounded = 1 AND instr(canonical, ?) > 0'
        found = {row[0] for row in db.execute(sql, (query,))}
        if field in _GAIN_COLUMN:
            column = _GAIN_COLUMN[field]
            sql = f"SELECT paper_id FROM gains WHERE instr({column}, ?) > 0"
            found |= {row[0] for row in db.execute(sql, (query,))}
        ids = found if ids is None else ids & found
    return ids


def read_tables(path: Path, filters: Mapping[str, str]) -> tuple[Tables, int]:
    """The rows of the papers that match every filter (all papers without one), in the run's
    order, and how many papers the run holds."""
    if any(field not in FIELDS for field in filters):
        raise ValueError(f"unknown filter fields: {sorted(set(filters) - set(FIELDS))}")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            total = int(db.execute("SELECT COUNT(*) FROM papers").fetchone()[0])
            ids = _matching(db, filters)
            where = ""
            args: tuple[str, ...] = ()
            if ids is not None:
                where = " WHERE paper_id IN (SELECT value FROM json_each(?))"
                args = (json.dumps(sorted(ids)),)
            sql = f"SELECT {_list(PAPER_COLUMNS)} FROM papers{where} ORDER BY rowid"
            papers = [_row(PaperRow, PAPER_COLUMNS, row) for row in db.execute(sql, args)]
            items: list[ItemRow] = []
            for field in FIELDS:
                columns = (*ITEM_COLUMNS, "role") if BY_NAME[field].has_role else ITEM_COLUMNS
                sql = f'SELECT {_list(columns)} FROM "{field}"{where} ORDER BY rowid'
                items += [_row(ItemRow, columns, row, field=field) for row in db.execute(sql, args)]
            sql = f"SELECT {_list(GAIN_COLUMNS)} FROM gains{where} ORDER BY rowid"
            gains = [_row(GainRow, GAIN_COLUMNS, row) for row in db.execute(sql, args)]
    except sqlite3.DatabaseError as exc:
        raise UsageError(
            f"{path}: not readable as an enrich database ({exc})",
            f"rebuild it with `enrich report {path.parent}`",
        ) from exc
    return Tables(papers, items, gains), total


_BOOLEANS = ("grounded", "has_code")  # stored as SQLite integers


def _row(kind: type[R], columns: Sequence[str], values: Sequence[Any], **extra: Any) -> R:
    fields: dict[str, Any] = dict(zip(columns, values, strict=True))
    for name in _BOOLEANS:
        if fields.get(name) is not None:
            fields[name] = bool(fields[name])
    if "profiles" in fields:  # a JSON array (`tabular.sql_value`)
        fields["profiles"] = tuple(json.loads(fields["profiles"] or "[]"))
    return kind(**fields, **extra)


def _list(columns: Sequence[str]) -> str:
    return ", ".join(f'"{column}"' for column in columns)
