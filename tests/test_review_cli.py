"""`enrich CORPUS` leaves the review outputs; `enrich report` rebuilds them from papers.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from enrich.cli import app

NO_ENDPOINT = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}
REVIEW = [
    "papers.csv", "methods.csv", "tasks.csv", "datasets.csv", "metrics.csv", "gains.csv",
    "enrich.sqlite", "report.html", "summary.md",
]  # fmt: skip
runner = CliRunner()


def _run(corpus: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    argv = [str(corpus), "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--quiet"]
    result = runner.invoke(app, argv, env=NO_ENDPOINT)
    assert result.exit_code == 0, result.output
    return out


def test_run_writes_review_and_report_rebuilds_it(sample_corpus: Path, tmp_path: Path) -> None:
    out = _run(sample_corpus, tmp_path)
    for name in REVIEW:
        assert (out / name).stat().st_size > 0, name
    assert len(json.loads((out / "profiles.json").read_text())) == 5
    summary = (out / "summary.md").read_text()
    for name in ["report.html", "summary.md", "gains.csv", "enrich.sqlite"]:
        (out / name).unlink()
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert all((out / name).exists() for name in REVIEW)
    assert (out / "summary.md").read_text() == summary  # deterministic, from papers.jsonl alone
    assert "wrote papers.csv" in result.stderr


def test_report_names_the_missing_or_broken_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'papers.jsonl'}: no such file" in result.stderr
    assert "enrich CORPUS --out" in result.stderr
    (tmp_path / "papers.jsonl").write_text('{"id": "a", "title": "A", "status": "ok"}\n{broken\n')
    (tmp_path / "summary.md").write_text("earlier summary")
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'papers.jsonl'}:2: not a JSON record" in result.stderr
    assert (tmp_path / "summary.md").read_text() == "earlier summary"  # nothing lost
