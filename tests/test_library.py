"""`import enrich` does what `enrich CORPUS` does: read, extract (streaming), write, evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import enrich
from enrich import cli


def test_read_extract_write_as_the_cli_does(sample_corpus: Path, tmp_path: Path) -> None:
    corpus = enrich.read_corpus([sample_corpus])
    with enrich.Extractor.open(
        backend="offline", cache_dir=tmp_path / "cache", batch=50
    ) as extractor:
        stream = extractor.extract(iter(corpus.papers))  # any iterable, consumed lazily
        first = next(stream)
        assert first.paper.id == corpus.papers[0].id
        assert extractor.stats.papers == 50  # one batch in flight, not the whole corpus
        outcomes = [first, *stream]
    assert [o.paper.id for o in outcomes] == [p.id for p in corpus.papers]
    assert extractor.stats.papers == len(corpus.papers) == 134
    assert extractor.stats.extracted == 134
    out = enrich.write_run(tmp_path / "lib", outcomes, extractor, corpus.profiles)

    from typer.testing import CliRunner

    argv = [str(sample_corpus), "--backend", "offline", "--cache-dir", str(tmp_path / "cache2"),
            "--out", str(tmp_path / "cli"), "--quiet"]  # fmt: skip
    assert CliRunner().invoke(cli.app, argv).exit_code == 0
    for name in ("papers.jsonl", "profiles.json"):
        assert (out / name).read_text() == (tmp_path / "cli" / name).read_text()
    run = json.loads((out / "run.json").read_text())
    assert (run["extracted"], run["backend"]) == (134, "offline")


def test_a_stream_of_outcomes_is_written_as_it_comes(sample_corpus: Path, tmp_path: Path) -> None:
    corpus = enrich.read_corpus([sample_corpus])
    with enrich.Extractor.open(backend="offline", cache_dir=tmp_path / "c", batch=40) as extractor:
        stream = extractor.extract(iter(corpus.papers))
        out = enrich.write_run(tmp_path / "out", stream, extractor, corpus.profiles)
    run = json.loads((out / "run.json").read_text())
    assert (run["papers"], run["extracted"]) == (134, 134)  # counted after the stream ran out
    assert len((out / "papers.jsonl").read_text().splitlines()) == 134
    assert extractor.summary().wall_seconds > 0


def test_unknown_names_and_bad_options_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = enrich.nope  # type: ignore[attr-defined]
    with pytest.raises(enrich.errors.ConfigError, match="unknown --gains"):  # type: ignore[attr-defined]
        enrich.Extractor.open(backend="offline", cache_dir=tmp_path / "c", gains="always")


def test_the_run_summary_is_typed_and_run_json_is_checked(
    sample_corpus: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from enrich.core.manifest import RunSummary

    with enrich.Extractor.open(backend="offline", cache_dir=tmp_path / "cache") as extractor:
        outcomes = list(extractor.extract(enrich.read_corpus([sample_corpus]).papers))
    summary = extractor.summary()
    assert isinstance(summary, RunSummary) and summary.extracted == 134 and summary.run_id
    out = enrich.write_run(tmp_path / "out", outcomes, extractor, summary=summary)
    stored = json.loads((out / "run.json").read_text())
    assert RunSummary.model_validate(stored) == summary
    assert list(stored)[:3] == ["run_id", "finished_at", "backend"]

    stored["papers"] = "many"  # a hand-edited run.json: one line naming the field
    (out / "run.json").write_text(json.dumps(stored))
    result = CliRunner().invoke(cli.app, ["report", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {out / 'run.json'}: papers:")
