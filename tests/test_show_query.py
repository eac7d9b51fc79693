"""`enrich show` answers from enrich.sqlite (filters run in SQLite) exactly as from papers.jsonl."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import app

runner = CliRunner()
QUERIES = [
    [],
    ["--dataset", "imagenet"],
    ["--method", "bert"],
    ["--metric", "accuracy"],
    ["--metric", "f1", "--task", "classification", "--limit", "0"],
    ["--dataset", "no such dataset at all"],
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("show")
    out = tmp / "out"
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    argv = [str(corpus), "--backend", "offline", "--cache-dir", str(tmp / "c"), "--out", str(out),
            "--quiet"]  # fmt: skip
    assert runner.invoke(app, argv).exit_code == 0
    plain = tmp / "plain"
    shutil.copytree(out, plain)
    (plain / "enrich.sqlite").unlink()
    return out, plain


@pytest.mark.parametrize("query", QUERIES)
def test_the_database_and_papers_jsonl_give_the_same_answer(
    runs: tuple[Path, Path], query: list[str]
) -> None:
    answers = [runner.invoke(app, ["show", str(folder), "--json", *query]) for folder in runs]
    assert all(a.exit_code == 0 for a in answers), [a.output for a in answers]
    from_db, from_jsonl = (json.loads(a.stdout) for a in answers)
    assert from_db == from_jsonl
    if query == ["--method", "bert"]:
        assert from_db["total"] > 0  # the comparison is not between two empty answers


def test_only_matching_papers_are_read(runs: tuple[Path, Path]) -> None:
    from enrich.review.query import read_tables

    out, _ = runs
    everything, total = read_tables(out / "enrich.sqlite", {})
    some, same_total = read_tables(out / "enrich.sqlite", {"datasets": "imagenet"})
    assert total == same_total == len(everything.papers) == 134
    assert 0 < len(some.papers) < 20
    ids = {p.paper_id for p in some.papers}
    assert {i.paper_id for i in some.items} <= ids and {g.paper_id for g in some.gains} <= ids


def test_a_damaged_database_is_one_line(runs: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = runs
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "enrich.sqlite").write_bytes(b"not a database" * 100)
    result = runner.invoke(app, ["show", str(broken)])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "enrich report" in line
