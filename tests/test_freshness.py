"""An unchanged rerun finds its output folder up to date and does nothing; any change to what
the outputs depend on (a corpus file, a setting, a policy, a missing output, an earlier
failure) runs again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.freshness import code_fingerprint, inputs_digest
from enrich.readers.base import ReadOptions

runner = CliRunner()
OFFLINE = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}


@pytest.fixture
def corpus(sample_corpus: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in sorted(p.name for p in sample_corpus.iterdir())[:2]:
        shutil.copy(sample_corpus / name, folder / name)
    return folder


def _run(corpus: Path, tmp: Path, *extra: str) -> tuple[int, str, str]:
    argv = [str(corpus), "--out", str(tmp / "out"), "--cache-dir", str(tmp / "cache"), *extra]
    result = runner.invoke(app, argv, env=OFFLINE)
    return result.exit_code, result.stdout, result.stderr


def _stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(out.iterdir()) if p.is_file()}


def test_an_unchanged_rerun_does_nothing_and_says_so(corpus: Path, tmp_path: Path) -> None:
    code, stdout, _ = _run(corpus, tmp_path, "--json")
    assert code == 0
    first = json.loads(stdout)
    assert len(first["inputs_digest"]) == 64
    before = _stamps(tmp_path / "out")
    code, stdout, stderr = _run(corpus, tmp_path, "--json")
    assert code == 0
    assert json.loads(stdout) == first  # the run that made the outputs
    assert _stamps(tmp_path / "out") == before  # nothing rewritten
    code, _, stderr = _run(corpus, tmp_path)
    assert "is up to date" in stderr and first["run_id"] in stderr


@pytest.mark.parametrize(
    "change",
    ["corpus file", "gains policy", "no cache", "missing output", "earlier failure"],
)
def test_any_change_runs_again(corpus: Path, tmp_path: Path, change: str) -> None:
    assert _run(corpus, tmp_path)[0] == 0
    out, extra = tmp_path / "out", []
    first_id = json.loads((out / "run.json").read_text())["run_id"]
    if change == "corpus file":
        target = sorted(corpus.iterdir())[0]
        target.write_bytes(target.read_bytes() + b"\n")
    elif change == "gains policy":
        extra = ["--gains", "both"]
    elif change == "no cache":
        extra = ["--no-cache"]
    elif change == "missing output":
        (out / "summary.md").unlink()
    else:
        run = json.loads((out / "run.json").read_text())
        (out / "run.json").write_text(json.dumps({**run, "failures": 1}))
    code, _, stderr = _run(corpus, tmp_path, *extra)
    assert code == 0 and "up to date" not in stderr
    assert json.loads((out / "run.json").read_text())["run_id"] != first_id
    assert (out / "summary.md").is_file()


def test_the_digest_covers_files_options_and_settings(corpus: Path, tmp_path: Path) -> None:
    options = ReadOptions()
    base = inputs_digest([corpus], options, {"model": "m"})
    assert inputs_digest([corpus], options, {"model": "m"}) == base
    assert inputs_digest([corpus], options, {"model": "other"}) != base
    assert inputs_digest([corpus], ReadOptions(max_abstract_chars=500), {"model": "m"}) != base
    (corpus / "extra.txt").write_text("Title: A\n\nAbstract: B.\n")
    assert inputs_digest([corpus], options, {"model": "m"}) != base
    assert len(code_fingerprint()) == 64
