"""Broken state and concurrent runs: a corrupt or misplaced cache, an output folder that cannot
be written, a damaged run folder, two runs into one folder. Each case ends in one line naming
the file and the fix (exit 2), and what earlier runs wrote survives."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich import run_folder
from enrich.cli import app
from enrich.core.tables import build_tables
from enrich.review.tabular import write_sqlite
from enrich.run_folder import locked, publish

runner = CliRunner()
OUTPUTS = (
    "papers.jsonl", "profiles.json", "run.json", "papers.csv", "methods.csv", "tasks.csv",
    "datasets.csv", "metrics.csv", "gains.csv", "enrich.sqlite", "report.html", "summary.md",
)  # fmt: skip


def _one_line_error(result: object, *needles: str) -> str:
    """The CLI's stderr ends in exactly one line, starting `Error:`, with every needle, and
    holds no traceback."""
    stderr: str = result.stderr  # type: ignore[attr-defined]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("Error: "), stderr
    assert sum(line.startswith("Error:") for line in lines) == 1 and "Traceback" not in stderr
    lines = lines[-1:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def one_file(sample_corpus: Path) -> Path:
    return sample_corpus / "004_816b7048286ea66e.txt"


def _run(corpus: Path, cache: Path, out: Path, *extra: str) -> object:
    argv = [str(corpus), "--backend", "offline", "--cache-dir", str(cache), "--out", str(out)]
    return runner.invoke(app, [*argv, "--quiet", *extra])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def test_a_corrupt_cache_is_reported_cleared_and_outputs_survive(
    one_file: Path, tmp_path: Path
) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    assert _run(one_file, cache, out).exit_code == 0  # type: ignore[attr-defined]
    before = _snapshot(out)
    database = cache / "cache.db"
    with database.open("r+b") as handle:
        handle.truncate(database.stat().st_size // 2)

    for argv in (
        [str(one_file), "--backend", "offline", "--cache-dir", str(cache), "--out", str(out)],
        ["cache", "stats", "--cache-dir", str(cache)],
    ):
        result = runner.invoke(app, argv)
        assert result.exit_code == 2
        _one_line_error(result, str(database), "enrich cache clear")
    assert _snapshot(out) == before

    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache)])
    assert cleared.exit_code == 0 and "removed a corrupt cache" in cleared.stdout
    # into a new folder: `out` is up to date, and an unchanged rerun would not extract
    assert _run(one_file, cache, tmp_path / "again").exit_code == 0  # type: ignore[attr-defined]
    stats = runner.invoke(app, ["cache", "stats", "--cache-dir", str(cache), "--json"])
    assert json.loads(stats.stdout)["entries"] >= 1


def test_garbage_cache_values_are_misses(one_file: Path, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    assert _run(one_file, cache, out).exit_code == 0  # type: ignore[attr-defined]
    with closing(sqlite3.connect(cache / "cache.db")) as db:
        changed = db.execute("UPDATE Cache SET value = ?, mode = 4", (b"\x80\x04garbage",))
        assert changed.rowcount >= 1
        db.commit()
    result = _run(one_file, cache, out, "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    summary = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert summary["cache_hits"] == 0 and summary["extracted"] >= 1


def test_cache_dir_naming_a_file(one_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = _run(one_file, blocker, tmp_path / "out")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    _one_line_error(result, str(blocker), "--cache-dir")
    for command in ("stats", "clear"):
        listed = runner.invoke(app, ["cache", command, "--cache-dir", str(blocker)])
        assert listed.exit_code == 2
        _one_line_error(listed, str(blocker))


def test_an_output_folder_under_a_file_fails_before_any_extraction(
    one_file: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = tmp_path / "cache"
    result = _run(one_file, cache, blocker / "out")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    _one_line_error(result, str(blocker / "out"), "--out")
    assert not cache.exists()  # nothing was extracted (the cache is opened after the check)


def test_an_unwritable_output_folder_fails_before_any_extraction(
    one_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(out))

    monkeypatch.setattr(run_folder.tempfile, "mkstemp", refuse)  # root ignores chmod
    result = _run(one_file, tmp_path / "cache", out)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    _one_line_error(result, str(out), "Permission denied")
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        (lambda out: (out / "papers.jsonl").write_bytes(b"\xff\xfe\x00binary\x00\n"), ":1: not a"),
        (
            lambda out: (out / "papers.jsonl").write_text(
                json.dumps({"id": "p1", "extraction": "oops"}) + "\n"
            ),
            ":1: not a paper record (",
        ),
        (lambda out: (out / "profiles.json").write_text('["a", "b"]'), "profiles.json: not a list"),
        (lambda out: (out / "profiles.json").write_text("{broken"), "profiles.json: not readable"),
    ],
)
def test_report_on_a_damaged_run_folder_is_one_line(
    one_file: Path, tmp_path: Path, damage: object, needle: str
) -> None:
    out = tmp_path / "out"
    assert _run(one_file, tmp_path / "cache", out).exit_code == 0  # type: ignore[attr-defined]
    report_html = (out / "report.html").read_bytes()
    damage(out)  # type: ignore[operator]
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 2
    _one_line_error(result, needle)
    assert (out / "report.html").read_bytes() == report_html  # the old outputs are kept


def test_a_failed_publish_keeps_the_previous_outputs(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    publish(folder, lambda staging: (staging / "a.txt").write_text("first"))

    def broken(staging: Path) -> None:
        (staging / "a.txt").write_text("second")
        raise RuntimeError("disk trouble")

    with pytest.raises(RuntimeError):
        publish(folder, broken)
    assert (folder / "a.txt").read_text() == "first"
    assert not [p for p in folder.iterdir() if p.name.startswith(".enrich-staging-")]


def test_a_second_writer_waits_for_the_lock(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    waited = threading.Event()
    done = threading.Event()

    def second() -> None:
        publish(folder, lambda staging: (staging / "b.txt").write_text("b"), on_wait=waited.set)
        done.set()

    with locked(folder):
        thread = threading.Thread(target=second)
        thread.start()
        assert waited.wait(5)
        time.sleep(0.2)
        assert not done.is_set() and not (folder / "b.txt").exists()
    thread.join(10)
    assert done.is_set() and (folder / "b.txt").read_text() == "b"


def test_runs_finishing_in_the_same_second_are_both_kept(tmp_path: Path) -> None:
    database = tmp_path / "enrich.sqlite"
    tables = build_tables([])
    run = {"finished_at": "2026-11-30T12:00:00+00:00", "model": "m", "papers": 0}
    write_sqlite(database, tables, {**run, "run_id": "a"})
    counts = write_sqlite(database, tables, {**run, "run_id": "b"})
    assert counts["runs"] == 2
    assert write_sqlite(database, tables, {**run, "run_id": "b"})["runs"] == 2  # same run


def test_two_concurrent_runs_leave_one_complete_set_and_both_in_runs(
    sample_corpus: Path, tmp_path: Path
) -> None:
    files = sorted(sample_corpus.iterdir())
    out = tmp_path / "out"
    commands = [
        [
            sys.executable,
            "-m",
            "enrich",
            str(corpus),
            "--backend",
            "offline",
            "--quiet",
            "--cache-dir",
            str(tmp_path / f"cache{n}"),
            "--out",
            str(out),
        ]
        for n, corpus in enumerate((files[0], files[1]))
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    started = [subprocess.Popen(c, env=env, stderr=subprocess.PIPE, text=True) for c in commands]
    for process in started:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    run = json.loads((out / "run.json").read_text())
    ids = {json.loads(line)["id"] for line in (out / "papers.jsonl").read_text().splitlines()}
    assert len(ids) == run["papers"]
    with closing(sqlite3.connect(out / "enrich.sqlite")) as db:
        assert {r[0] for r in db.execute("SELECT paper_id FROM papers")} == ids
        runs = [r[0] for r in db.execute("SELECT run_id FROM runs ORDER BY rowid")]
    assert len(runs) == 2 and runs[-1] == run["run_id"]
    csv_ids = {line.split(",")[0] for line in (out / "papers.csv").read_text().splitlines()[1:]}
    assert csv_ids == ids


def test_a_cache_that_cannot_be_written_is_one_line(
    one_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from enrich import cache as cache_module

    def readonly(directory: str) -> None:  # what diskcache raises in a read-only folder
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(cache_module.diskcache, "Cache", readonly)  # root ignores chmod
    result = _run(one_file, tmp_path / "cache", tmp_path / "out")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    _one_line_error(result, "cannot open the cache", "readonly", "--no-cache")
    assert _run(one_file, tmp_path / "cache", tmp_path / "out", "--no-cache").exit_code == 0  # type: ignore[attr-defined]
