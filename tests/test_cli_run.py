"""`enrich CORPUS` end to end: real CLI, real HTTP (plain, or through the openai SDK), a
scripted local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from tests.fake_openai_server import FakeOpenAIServer, completion

runner = CliRunner()


def _argv(corpus: Path, server: FakeOpenAIServer, tmp: Path, *extra: str) -> list[str]:
    return [str(corpus), "--base-url", server.base_url, "--model", "test-model",
            "--cache-dir", str(tmp / "cache"), "--out", str(tmp / "out"), *extra]  # fmt: skip


@pytest.mark.parametrize("provider", ["server", "openai"])
def test_run_extracts_every_paper_then_reruns_from_cache(
    sample_corpus: Path, fake_openai: FakeOpenAIServer, tmp_path: Path, provider: str
) -> None:
    env = {"OPENAI_API_KEY": "", "ENRICH_MODEL": "", "ENRICH_PROVIDER": provider}
    first = runner.invoke(app, _argv(sample_corpus, fake_openai, tmp_path, "--quiet"), env=env)
    assert first.exit_code == 0, first.output
    assert fake_openai.count == 134
    records = [
        json.loads(line) for line in (tmp_path / "out/papers.jsonl").read_text().splitlines()
    ]
    assert len(records) == 134
    assert all(r["status"] == "ok" and r["backend"] == "openai" for r in records)
    assert {r["model"] for r in records} == {"test-model"}
    assert len({r["prompt_hash"] for r in records}) == 1
    assert not any(r["cached"] for r in records)
    run = json.loads((tmp_path / "out/run.json").read_text())
    assert (run["extracted"], run["requests"], run["cache_hits"], run["failures"]) == (
        134,
        134,
        0,
        0,
    )
    assert (run["prompt_tokens"], run["completion_tokens"]) == (134 * 100, 134 * 20)
    assert run["cost_usd"] is None  # no known price for a local model

    # another gains policy applies after the cache: a rerun, every answer from the cache
    argv = _argv(sample_corpus, fake_openai, tmp_path, "--json", "--gains", "both")
    again = runner.invoke(app, argv, env=env)
    assert again.exit_code == 0, again.output
    assert fake_openai.count == 134  # nothing sent
    summary = json.loads(again.stdout)
    assert (summary["cache_hits"], summary["requests"]) == (134, 0)


def test_failures_are_reported_and_exit_nonzero(
    sample_corpus: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_openai.responder = lambda body: completion("not json")
    corpus = sample_corpus / "004_816b7048286ea66e.txt"
    result = runner.invoke(app, _argv(corpus, fake_openai, tmp_path, "--concurrency", "2"))
    assert result.exit_code == 1
    records = [
        json.loads(line) for line in (tmp_path / "out/papers.jsonl").read_text().splitlines()
    ]
    assert len(records) == 11 and all(r["status"] == "failed" for r in records)
    assert records[0]["error"].startswith("invalid output after 2 re-asks")
    assert "11 failed" in result.stderr
    assert "backend: openai · model test-model" in result.stderr


def test_openai_without_endpoint_is_a_one_line_error(sample_corpus: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, [str(sample_corpus), "--backend", "openai", "--out", str(tmp_path / "o")],
        env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""},
    )  # fmt: skip
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "set OPENAI_API_KEY" in line and "--base-url" in line
    assert not (tmp_path / "o").exists()


def test_cache_stats_and_clear(
    sample_corpus: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    corpus = sample_corpus / "004_816b7048286ea66e.txt"
    assert runner.invoke(app, _argv(corpus, fake_openai, tmp_path, "--quiet")).exit_code == 0
    stats = runner.invoke(app, ["cache", "stats", "--cache-dir", str(tmp_path / "cache"), "--json"])
    assert json.loads(stats.stdout)["entries"] == 11
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(tmp_path / "cache")])
    assert "removed 11 entries" in cleared.stdout


def test_ctrl_c_says_the_work_is_kept(
    sample_corpus: Path,
    fake_openai: FakeOpenAIServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from enrich import api

    real = api.run_extraction
    calls: list[int] = []

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[0]))
        if len(calls) > 1:  # Ctrl-C during the second batch
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "run_extraction", interrupted)
    monkeypatch.setattr(api, "BATCH", 100)
    result = runner.invoke(app, _argv(sample_corpus, fake_openai, tmp_path))
    assert result.exit_code == 130
    assert "interrupted: finished extractions are cached" in result.stderr
    assert not (tmp_path / "out" / "papers.jsonl").exists()
    (partial,) = (tmp_path / "out").glob("papers.*.partial.jsonl")
    assert partial.name in result.stderr.replace("\n", "")
    kept = [json.loads(line) for line in partial.read_text().splitlines()]
    assert calls == [100, 34] and len(kept) == 100  # the first batch's papers, as records
    assert all(r["status"] == "ok" and r["extraction"] for r in kept)

    again = runner.invoke(app, _argv(sample_corpus, fake_openai, tmp_path))
    assert again.exit_code == 130  # still interrupted by the patch, now at its third call
    monkeypatch.setattr(api, "run_extraction", real)
    finished = runner.invoke(app, _argv(sample_corpus, fake_openai, tmp_path, "--quiet"))
    assert finished.exit_code == 0, finished.output
    assert not list((tmp_path / "out").glob("papers.*.partial.jsonl"))  # published: removed
