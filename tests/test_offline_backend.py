"""The offline backend: the default without an endpoint, deterministic, grounded by construction,
and held to its quality targets by the eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.backends.base import ExtractRequest
from enrich.backends.offline import OfflineBackend
from enrich.cli import app
from enrich.core.grounding import ground

ROOT = Path(__file__).resolve().parent.parent
NO_ENDPOINT = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}
runner = CliRunner()


@pytest.fixture(scope="module")
def backend() -> OfflineBackend:
    return OfflineBackend()


def test_corpus_without_endpoint_runs_offline(sample_corpus: Path, tmp_path: Path) -> None:
    argv = [str(sample_corpus), "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c")]
    result = runner.invoke(app, argv, env=NO_ENDPOINT)
    assert result.exit_code == 0, result.output
    (announce,) = [line for line in result.stderr.splitlines() if line.startswith("backend:")]
    assert "offline" in announce and "OPENAI_API_KEY" in announce
    records = [json.loads(x) for x in (tmp_path / "out" / "papers.jsonl").read_text().splitlines()]
    assert len(records) == 134
    assert {r["backend"] for r in records} == {"offline"}
    assert all(r["status"] == "ok" for r in records)
    assert all(r["extraction"]["summary"] for r in records)
    assert all(r["extraction"]["ungrounded"] == [] for r in records)  # spans by construction
    assert sum(len(r["extraction"]["methods"]) for r in records) > 134
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["backend"] == "offline" and run["requests"] == 0 and run["cost_usd"] is None


def test_deterministic_and_every_item_is_a_span(backend: OfflineBackend) -> None:
    abstract = (
        "We propose FastNet, a pruning method for BERT. On the GLUE benchmark FastNet improves "
        "accuracy by 2.3% over magnitude pruning and runs 3.1x faster."
    )
    first = backend.extract_one(abstract)
    assert first == backend.extract_one(abstract)
    grounded = ground(first, abstract)
    assert grounded.ungrounded == []
    for item in [*grounded.methods, *grounded.tasks, *grounded.datasets, *grounded.metrics]:
        assert abstract[item.span.start : item.span.end] == item.text
    assert {(g.value, g.kind) for g in first.gains} >= {(2.3, "delta"), (3.1, "ratio")}
    (result,) = backend.extract([ExtractRequest("k", "t", abstract)])
    assert result.extraction == first and result.requests == 0


# The floors: gold's are the product's targets (measured 0.652 relaxed / 0.531 exact with the
# tagger trained on our own labels); dev's the measured 0.656 / 0.555 less a rounding margin.
# SciERC dev is a reference with another convention, reported in the README, not gated.
@pytest.mark.parametrize(
    ("gold", "relaxed", "exact", "gains"),
    [
        (ROOT / "eval" / "gold.jsonl", 0.62, 0.45, 0.75),
        (ROOT / "eval" / "dev.jsonl", 0.64, 0.52, 0.75),
    ],
    ids=["corpus-gold", "corpus-dev"],
)
def test_quality_floors_hold(
    tmp_path: Path, gold: Path, relaxed: float, exact: float | None, gains: float | None
) -> None:
    argv = ["eval", "--gold", str(gold), "--backend", "offline", "--json", "--no-cache",
            "--runs-dir", str(tmp_path / "runs")]  # fmt: skip
    result = runner.invoke(app, argv, env=NO_ENDPOINT)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["overall"]["relaxed_micro_f1"] >= relaxed
    if exact is not None:
        assert figures["overall"]["exact_micro_f1"] >= exact
    if gains is not None:
        assert figures["gains"]["value"]["f1"] >= gains
