"""CSV tables and enrich.sqlite: hand-made records with known answers, then the sample corpus."""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.records import PaperRecord
from enrich.core.tables import build_tables
from enrich.errors import EnrichError
from enrich.review import load_run
from enrich.review.tabular import PAPER_COLUMNS, write_csvs, write_sqlite

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("papers", "methods", "tasks", "datasets", "metrics", "gains")

P1 = "We propose FooNet for image classification on ImageNet-1k, reaching 81.2% top-1 accuracy."
P2 = "BazNet improves accuracy by 2 points on ImageNet 1K over ResNet."


def _item(name: str, start: int, end: int, role: str | None = None) -> dict[str, Any]:
    span = {"start": start, "end": end, "match": "exact"}
    item: dict[str, Any] = {"name": name, "text": name, "span": span}
    if role:
        item["role"] = role
    return item


def _typed(records: list[dict[str, Any]]) -> list[PaperRecord]:
    """The records as a run reads them from papers.jsonl."""
    return [PaperRecord.model_validate(record) for record in records]


def _record(
    pid: str, abstract: str, extraction: dict[str, Any] | None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": pid, "title": f"Paper {pid}", "abstract": abstract, "authors": ["A. One", "B. Two"],
        "authors_truncated": False, "affiliations": [], "year": 2024, "date": "2024-05-01",
        "category": "CV", "score": None, "has_code": False, "code_urls": [], "doi": None,
        "arxiv_id": None, "url": None,
        "sources": [{"path": "c.txt", "line": 1, "format": "profile", "profile": "Ann"}],
        "status": "ok", "error": None, "extraction": extraction, "backend": "offline",
        "model": "offline-test", "prompt_hash": "p", "schema_hash": "s", "cached": False,
        "warnings": [], **extra,
    }  # fmt: skip


def _gain(**fields: Any) -> dict[str, Any]:
    base = {"metric": None, "unit": None, "baseline": None, "baseline_value": None}
    return {**base, "dataset": None, **fields}


RECORDS = [
    _record(
        "p1",
        P1,
        {
            "summary": "FooNet.",
            "methods": [_item("FooNet", 11, 17, "proposed")],
            "tasks": [_item("image classification", 22, 42)],
            "datasets": [_item("ImageNet-1k", 46, 57)],
            "metrics": [{**_item("top-1 accuracy", 74, 88), "source": "rules"}],
            "gains": [
                _gain(
                    metric="top-1 accuracy",
                    value=81.2,
                    unit="%",
                    kind="score",
                    dataset="ImageNet-1k",
                    text="81.2% top-1 accuracy",
                    span={"start": 68, "end": 88, "match": "exact"},
                )
            ],
            "ungrounded": [{"field": "methods", "value": "BarNet", "reason": "not found"}],
        },
    ),
    _record(
        "p2",
        P2,
        {
            "summary": "BazNet.",
            "methods": [_item("BazNet", 0, 6, "proposed"), _item("ResNet", 57, 63, "baseline")],
            "tasks": [],
            "datasets": [_item("ImageNet 1K", 40, 51)],
            "metrics": [_item("accuracy", 16, 24)],
            "gains": [
                _gain(
                    metric="accuracy",
                    value=2.0,
                    unit="points",
                    kind="delta",
                    baseline="ResNet",
                    dataset="ImageNet 1K",
                    text="improves accuracy by 2 points",
                    span={"start": 7, "end": 36, "match": "exact"},
                )
            ],
            "ungrounded": [],
        },
    ),
    _record("p3", "An abstract the backend failed on.", None, status="failed", error="timeout"),
]
RUN = {"finished_at": "2024-06-01T00:00:00+00:00", "backend": "offline", "model": "offline-test",
       "endpoint": "", "prompt_hash": "p", "schema_hash": "s", "papers": 3, "extracted": 2,
       "failures": 1, "wall_seconds": 0.5}  # fmt: skip
# BarNet (ungrounded) stays in papers.jsonl and report.html, never in the tables
EXPECTED = {"papers": 3, "methods": 3, "tasks": 1, "datasets": 2, "metrics": 2, "gains": 2}


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _db_counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as db:
        names = [*TABLES, "runs"]
        return {n: db.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}


def test_hand_made_spans_are_right() -> None:
    # The fixture's offsets were counted by hand; check them once against the abstracts.
    for record in RECORDS[:2]:
        extraction, abstract = record["extraction"], record["abstract"]
        for field in ("methods", "tasks", "datasets", "metrics", "gains"):
            for item in extraction[field]:
                span = item["span"]
                assert abstract[span["start"] : span["end"]] == item["text"]


def test_csvs_hold_long_rows_keyed_by_paper(tmp_path: Path) -> None:
    counts = write_csvs(tmp_path, build_tables(_typed(RECORDS)))
    assert counts == {f"{t}.csv": n for t, n in EXPECTED.items()}

    header, papers = _read_csv(tmp_path / "papers.csv")
    assert header == list(PAPER_COLUMNS) and "abstract" in header
    assert [p["paper_id"] for p in papers] == ["p1", "p2", "p3"]
    assert papers[0]["authors"] == "A. One; B. Two" and papers[0]["profiles"] == "Ann"
    assert papers[0]["abstract"] == P1 and papers[0]["has_code"] == "false"
    assert (papers[2]["status"], papers[2]["error"], papers[2]["summary"]) == (
        "failed",
        "timeout",
        "",
    )

    header, methods = _read_csv(tmp_path / "methods.csv")
    assert header == ["paper_id", "position", "name", "canonical", "text", "start", "end",
                      "grounded", "source", "role"]  # fmt: skip
    keys = [(m["paper_id"], m["position"], m["name"]) for m in methods]
    assert keys == [("p1", "0", "FooNet"), ("p2", "0", "BazNet"), ("p2", "1", "ResNet")]
    assert [m["role"] for m in methods] == ["proposed", "proposed", "baseline"]
    assert {m["grounded"] for m in methods} == {"true"}  # ungrounded BarNet is not a row
    assert (methods[0]["grounded"], methods[0]["start"], methods[0]["end"]) == ("true", "11", "17")

    header, metrics = _read_csv(tmp_path / "metrics.csv")
    assert [(m["name"], m["source"]) for m in metrics][:1] == [("top-1 accuracy", "rules")]

    header, datasets = _read_csv(tmp_path / "datasets.csv")
    assert "role" not in header
    assert [(d["paper_id"], d["name"], d["canonical"]) for d in datasets] == [
        ("p1", "ImageNet-1k", "imagenet 1k"),
        ("p2", "ImageNet 1K", "imagenet 1k"),
    ]

    header, gains = _read_csv(tmp_path / "gains.csv")
    assert header[:5] == ["paper_id", "position", "metric", "metric_canonical", "value"]
    assert header[-5:] == ["text", "start", "end", "grounded", "source"]
    assert gains[0]["value"] == "81.2" and gains[0]["baseline"] == ""
    assert gains[1]["baseline"] == "ResNet" and gains[1]["baseline_value"] == ""
    assert {g["dataset_canonical"] for g in gains} == {"imagenet 1k"}
    assert (gains[1]["start"], gains[1]["end"], gains[1]["grounded"]) == ("7", "36", "true")


def test_sqlite_matches_csvs_and_keeps_run_history(tmp_path: Path) -> None:
    tables = build_tables(_typed(RECORDS))
    csv_counts = write_csvs(tmp_path, tables)
    db_path = tmp_path / "enrich.sqlite"
    counts = write_sqlite(db_path, tables, RUN)
    assert counts == {**EXPECTED, "runs": 1} == _db_counts(db_path)
    assert all(counts[t] == csv_counts[f"{t}.csv"] for t in TABLES)

    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {
            "idx_methods_canonical", "idx_methods_role", "idx_tasks_canonical",
            "idx_datasets_canonical", "idx_metrics_canonical", "idx_gains_metric_canonical",
            "idx_gains_dataset_canonical",
        } <= indexes  # fmt: skip
        grouped = db.execute(
            "SELECT canonical, COUNT(DISTINCT paper_id) FROM datasets GROUP BY canonical"
        ).fetchall()
        assert grouped == [("imagenet 1k", 2)]
        # a paper's profiles are a JSON array, so no name is ever split at a separator
        listed = db.execute(
            "SELECT p.paper_id, j.value FROM papers p, json_each(p.profiles) j ORDER BY 1"
        ).fetchall()
        assert listed[0] == ("p1", "Ann")
        barnet = db.execute("SELECT * FROM methods WHERE name = 'BarNet'").fetchone()
        assert barnet is None  # ungrounded: listed in papers.jsonl, never a table row
        assert db.execute("SELECT year, has_code FROM papers WHERE paper_id = 'p1'").fetchone() == (
            2024,
            0,
        )
        run = db.execute(
            "SELECT model, papers, failures, wall_seconds, run_json FROM runs"
        ).fetchone()
        assert run[:4] == ("offline-test", 3, 1, 0.5) and json.loads(run[4]) == RUN

    # The same run again is not a new run; a later run is added after it.
    assert write_sqlite(db_path, tables, RUN)["runs"] == 1
    later = {**RUN, "finished_at": "2024-06-02T00:00:00+00:00"}
    fewer = build_tables(_typed(RECORDS[:1]))
    counts = write_sqlite(db_path, fewer, later)
    assert counts["runs"] == 2 and counts["papers"] == 1 and counts["methods"] == 1  # FooNet
    with closing(sqlite3.connect(db_path)) as db:
        finished = [r[0] for r in db.execute("SELECT finished_at FROM runs ORDER BY rowid")]
    assert finished == [RUN["finished_at"], later["finished_at"]]


def test_failed_sqlite_build_keeps_the_old_database(tmp_path: Path) -> None:
    db_path = tmp_path / "enrich.sqlite"
    write_sqlite(db_path, build_tables(_typed(RECORDS)), RUN)
    repeated = build_tables(_typed([RECORDS[0], RECORDS[0]]))
    with pytest.raises(EnrichError, match="repeated or unknown paper id"):
        write_sqlite(db_path, repeated, {**RUN, "finished_at": "later"})
    assert _db_counts(db_path) == {**EXPECTED, "runs": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["enrich.sqlite"]


def test_sample_corpus_tables_agree(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = [str(ROOT / "corpus"), "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--quiet"]
    env = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}
    result = CliRunner().invoke(app, argv, env=env)
    assert result.exit_code == 0, result.output

    run = load_run(out)
    tables = run.tables()
    folder = tmp_path / "tables"
    csv_counts = write_csvs(folder, tables)
    db_counts = write_sqlite(folder / "enrich.sqlite", tables, run.run)
    assert csv_counts["papers.csv"] == 134 == db_counts["papers"]
    for table in TABLES:
        _, rows = _read_csv(folder / f"{table}.csv")
        assert len(rows) == csv_counts[f"{table}.csv"] == db_counts[table], table
    assert _db_counts(folder / "enrich.sqlite") == db_counts
    assert db_counts["runs"] == 1
    with closing(sqlite3.connect(folder / "enrich.sqlite")) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT backend FROM runs").fetchone() == ("offline",)
