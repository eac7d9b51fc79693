"""Eval runs are typed (`core/evalrun.py`) but saved in the flat layout every run has had: the
runs in eval/runs load and write back byte for byte, a new run keeps the old keys, and a file that
is not a run is one error naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.comparison import compare_runs, gate_failures, headline
from enrich.core.evalrun import EngineFigures, EvalRun, EvalSource
from enrich.core.gold import Labels
from enrich.evaluation import (
    EvalDataError,
    GoldSet,
    evaluate,
    find_run,
    list_runs,
    load_gold,
    load_run,
    save_run,
)
from tests.conftest import ROOT

RUNS = ROOT / "eval" / "runs"
GOLD = ROOT / "eval" / "gold.jsonl"

# The saved layout before runs were typed, written out: what external scripts read.
EXTRACTED_KEYS = [
    "run_id", "date", "backend", "model", "prompt_hash", "schema_hash", "gains_policy",
    "items_policy", "failures", "requests", "cache_hits", "retries", "reasks", "items_kept",
    "items_ungrounded", "items_rejected", "ungrounded_share", "prompt_tokens",
    "completion_tokens", "wall_seconds", "seconds_per_abstract", "gold_files", "gold_hash",
    "overall", "fields", "gains", "n_records", "bootstrap", "missing_predictions", "records",
]  # fmt: skip
PREDICTIONS_KEYS = [
    "run_id", "date", "backend", "model", "prompt_hash", "predictions_file", "gold_files",
    "gold_hash", "overall", "fields", "gains", "n_records", "bootstrap", "missing_predictions",
    "records",
]  # fmt: skip
OVERALL_KEYS = ["relaxed_micro_f1", "relaxed_micro_f1_ci", "exact_micro_f1", "exact_micro_f1_ci",
                "p", "r", "gains_f1"]  # fmt: skip
MODE_KEYS = ["p", "r", "f1", "tp", "fp", "fn", "macro_f1", "f1_ci"]
GAIN_VALUE_KEYS = ["p", "r", "f1", "tp", "fp", "fn", "f1_ci"]
RECORD_KEYS = ["id", "methods", "tasks", "datasets", "metrics", "gains"]


@pytest.fixture(scope="module")
def gold() -> GoldSet:
    return load_gold([GOLD])


def _engine() -> EngineFigures:
    return EngineFigures(
        failures={"x1": "timed out"}, requests=3, cache_hits=2, retries=1, reasks=0,
        items_kept=40, items_ungrounded=2, items_rejected=1, ungrounded_share=0.0465,
        prompt_tokens=900, completion_tokens=300, wall_seconds=4.5, seconds_per_abstract=1.5,
    )  # fmt: skip


def _extracted_run(gold: GoldSet, predictions: dict[str, Labels]) -> EvalRun:
    source = EvalSource(
        backend="fake", model="m", prompt_hash="p" * 16, schema_hash="s" * 16,
        gains_policy="rules", items_policy="both",
    )  # fmt: skip
    return evaluate(gold, predictions, source, _engine(), samples=50)


def _perfect(gold: GoldSet) -> dict[str, Labels]:
    return {r.id: r.gold for r in gold.records}


def test_every_saved_run_loads_and_writes_back_unchanged() -> None:
    files = sorted(RUNS.glob("*.json"))
    assert len(files) >= 139
    for path in files:
        text = path.read_text(encoding="utf-8")
        run = load_run(path)
        dumped = run.model_dump(mode="json")
        assert list(dumped) == list(json.loads(text)), path.name
        assert json.dumps(dumped, indent=1, ensure_ascii=False) + "\n" == text, path.name
    runs = list_runs(RUNS)
    assert len(runs) == len(files)
    assert [r.date for r in runs] == sorted(r.date for r in runs)
    # the older forms: the first items policy (metrics only), and runs before any policy
    assert any(r.source.metrics_policy == "both" for r in runs)
    assert any(r.source.items_policy is None and r.engine is not None for r in runs)
    assert any(r.engine is not None and r.engine.items_rejected is None for r in runs)


def test_a_new_run_keeps_the_saved_layout(tmp_path: Path, gold: GoldSet) -> None:
    run = _extracted_run(gold, _perfect(gold))
    saved = json.loads(save_run(tmp_path, run).read_text(encoding="utf-8"))
    assert list(saved) == EXTRACTED_KEYS
    assert list(saved["overall"]) == OVERALL_KEYS
    assert list(saved["fields"]) == ["methods", "tasks", "datasets", "metrics"]
    for field in saved["fields"].values():
        assert list(field) == ["n_records", "exact", "relaxed"]
        assert list(field["exact"]) == list(field["relaxed"]) == MODE_KEYS
    assert list(saved["gains"]) == ["n_records", "value", "agreement"]
    assert list(saved["gains"]["value"]) == GAIN_VALUE_KEYS
    assert list(saved["gains"]["agreement"]) == ["metric", "baseline", "dataset"]
    assert list(saved["gains"]["agreement"]["metric"]) == ["share", "agree", "scored"]
    assert saved["bootstrap"] == {"samples": 50, "seed": 13}
    assert list(saved["records"][0]) == RECORD_KEYS
    assert list(saved["records"][0]["methods"]) == ["tp", "fp", "fn"]
    assert saved["failures"] == {"x1": "timed out"} and saved["items_rejected"] == 1
    # the newest extracted run in eval/runs has the same top-level keys
    newest = json.loads(sorted(RUNS.glob("*.json"))[-1].read_text(encoding="utf-8"))
    assert list(newest) == EXTRACTED_KEYS


def test_a_predictions_run_has_no_engine_keys(tmp_path: Path, gold: GoldSet) -> None:
    source = EvalSource(
        backend="predictions", model=None, prompt_hash=None, predictions_file="p.jsonl"
    )
    half = dict(list(_perfect(gold).items())[: len(gold.records) // 2])
    run = evaluate(gold, half, source, samples=20)
    saved = json.loads(save_run(tmp_path, run).read_text(encoding="utf-8"))
    assert list(saved) == PREDICTIONS_KEYS
    assert saved["model"] is None and saved["prompt_hash"] is None
    assert saved["missing_predictions"] == len(gold.records) - len(half)
    assert find_run(tmp_path, run.run_id) == run and run.engine is None


def test_a_run_round_trips_through_save_and_find(tmp_path: Path, gold: GoldSet) -> None:
    run = _extracted_run(gold, _perfect(gold))
    path = save_run(tmp_path, run)
    assert find_run(tmp_path, run.run_id) == run
    assert find_run(tmp_path, str(path)) == run
    assert find_run(tmp_path, "last", gold_hash=gold.hash) == run
    again = find_run(tmp_path, run.run_id)
    assert again.model_dump(mode="json") == run.model_dump(mode="json")
    assert again.records[0].matches("methods") == run.records[0].matches("methods")
    assert again.engine is not None and again.engine.requests == 3
    assert again.source.items_policy == "both"


def test_comparison_names_the_records_that_changed(tmp_path: Path, gold: GoldSet) -> None:
    before = _extracted_run(gold, _perfect(gold))
    no_datasets = {
        rid: labels.model_copy(update={"datasets": []}) for rid, labels in _perfect(gold).items()
    }
    after = _extracted_run(gold, no_datasets)
    comparison = compare_runs(after, before)
    assert comparison.previous_run_id == before.run_id and comparison.same_gold
    assert comparison.deltas["methods.exact"] == 0.0
    assert comparison.deltas["datasets.exact"] == pytest.approx(-1.0)
    lost = {c.id for c in comparison.changed}
    with_datasets = {r.id for r in gold.records if r.gold.datasets}
    assert lost == with_datasets
    assert all(c.field == "datasets" and c.lost and not c.gained for c in comparison.changed)
    reasons = gate_failures(after, max_drop=5, comparison=comparison)
    assert "datasets.exact F1 dropped 100.0 pp (allowed 5)" in reasons
    assert "datasets.relaxed F1 dropped 100.0 pp (allowed 5)" in reasons
    assert not [r for r in reasons if r.startswith(("methods", "tasks", "metrics", "gains"))]
    assert gate_failures(before, fail_under=0.99) == []
    assert headline(before)["overall"] == before.overall.relaxed_micro_f1 == 1.0


def test_a_file_that_is_not_a_run_is_one_error_naming_it(tmp_path: Path, gold: GoldSet) -> None:
    good = _extracted_run(gold, _perfect(gold))
    save_run(tmp_path, good)
    bad = tmp_path / "20990101T000000000-bad000.json"
    bad.write_text(json.dumps({"run_id": "x", "date": "2099"}), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert list_runs(tmp_path) == [good]  # the listing skips them
    for path in (bad, broken):
        with pytest.raises(EvalDataError) as caught:
            find_run(tmp_path, str(path))
        message = str(caught.value)
        assert message.startswith(f"{path}: not a saved eval run: ")
        assert "\n" not in message
    missing = r"bad000\.json: not a saved eval run: overall: Field required \(and \d+ more\)"
    with pytest.raises(EvalDataError, match=missing):
        find_run(tmp_path, bad.stem)  # by id


def test_the_cli_reports_a_bad_compared_run_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    argv = ["eval", "--gold", str(GOLD), "--predictions", str(GOLD), "--runs-dir",
            str(tmp_path / "runs"), "--compare", str(bad)]  # fmt: skip
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"Error: {bad}: not a saved eval run: ")
    assert len(result.output.strip().splitlines()) == 1
