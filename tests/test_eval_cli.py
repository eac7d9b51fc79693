"""`enrich eval` end to end: the engine (fake backend) or a predictions file, saved runs,
comparison, and the CI gates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.backends.base import ExtractRequest
from enrich.backends.fake import FakeBackend, Response
from enrich.cli import app
from enrich.core.gold import parse_gold
from enrich.core.prompting import PromptSet
from enrich.prompt_files import DEFAULT_PROMPTS_DIR

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold.jsonl"
GOLD_BY_ABSTRACT = {r.abstract: r for r in parse_gold(GOLD.read_text(encoding="utf-8"))}
runner = CliRunner()


def oracle(request: ExtractRequest, messages: list[dict[str, str]]) -> Response:
    """Answers with the gold labels; a prompt that says DROP-DATASETS loses every dataset."""
    gold = GOLD_BY_ABSTRACT[request.abstract].gold
    drop = any("DROP-DATASETS" in m["content"] for m in messages)
    return {
        "summary": "A paper.",
        "methods": [{"name": m, "role": "used"} for m in gold.methods or []],
        "tasks": gold.tasks or [],
        "datasets": [] if drop else gold.datasets or [],
        "metrics": gold.metrics or [],
        "gains": [g.model_dump() for g in gold.gains or []],
    }


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[FakeBackend]:
    made: list[FakeBackend] = []

    def make(settings: Any, prompt: PromptSet, *_: Any, **__: Any) -> FakeBackend:
        made.append(FakeBackend(prompt, responder=oracle))
        return made[-1]

    monkeypatch.setattr("enrich.cli.eval.make_backend", make)
    return made


def _eval(tmp_path: Path, *args: str) -> Any:
    argv = ["eval", "--gold", str(GOLD), "--runs-dir", str(tmp_path / "runs"),
            "--cache-dir", str(tmp_path / "cache"), "--base-url", "http://unused/v1",
            "--gains", "model", "--items", "model", *args]  # fmt: skip  # the oracle's own
    return runner.invoke(app, argv, env={"OPENAI_API_KEY": ""})


def test_engine_eval_compare_and_max_drop_gate(
    tmp_path: Path, fake_engine: list[FakeBackend]
) -> None:
    first = _eval(tmp_path, "--json", "--fail-under", "0.99")
    assert first.exit_code == 0, first.output
    figures = json.loads(first.stdout)
    assert figures["n_records"] == len(GOLD_BY_ABSTRACT) >= 60
    assert figures["backend"] == "fake" and figures["gate_failures"] == []
    # Items the grounding step cannot place are dropped, so a perfect oracle may lose a few.
    assert figures["overall"]["relaxed_micro_f1"] > 0.99
    assert figures["fields"]["datasets"]["exact"]["f1"] > 0.99
    assert figures["gains"]["value"]["f1"] > 0.99
    assert len(fake_engine[0].requests) == len(GOLD_BY_ABSTRACT)

    # Rerun: the cache answers, and the saved run reloads for comparison.
    again = _eval(tmp_path, "--json", "--compare", "last", "--max-drop", "0")
    assert again.exit_code == 0, again.output
    assert fake_engine[1].requests == []
    comparison = json.loads(again.stdout)["comparison"]
    assert comparison["previous_run_id"] == figures["run_id"]
    assert all(d in (None, 0.0) for d in comparison["deltas"].values())
    assert comparison["changed"] == []

    # A prompt change that loses every dataset: re-extracted (new prompt hash), and gated.
    prompts = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR / "extract", prompts)
    instructions = prompts / "instructions.md"
    instructions.write_text(instructions.read_text() + "\nDROP-DATASETS\n")
    worse = _eval(tmp_path, "--prompts", str(prompts), "--compare", "last", "--max-drop", "5")
    assert worse.exit_code == 1
    assert len(fake_engine[2].requests) == len(GOLD_BY_ABSTRACT)
    assert "gate failed: datasets.exact F1 dropped 100.0 pp" in worse.output
    assert "datasets" in worse.stdout and "-100.0" in worse.stdout
    lost = [line for line in worse.stdout.splitlines() if " datasets: -" in line]
    assert lost, worse.stdout

    listing = runner.invoke(app, ["eval", "runs", "--runs-dir", str(tmp_path / "runs"), "--json"])
    runs = json.loads(listing.stdout)
    assert len(runs) == 3 and runs[0]["run_id"] == figures["run_id"]
    assert runs[0]["prompt_hash"] != runs[2]["prompt_hash"]
    saved = json.loads((tmp_path / "runs" / f"{figures['run_id']}.json").read_text())
    assert {"records", "gold_hash", "prompt_hash", "model", "backend", "date"} <= set(saved)
    assert saved["records"][0]["id"] == next(iter(GOLD_BY_ABSTRACT.values())).id


def test_predictions_file_and_fail_under(tmp_path: Path) -> None:
    records = [json.loads(line) for line in GOLD.read_text().splitlines()]
    half = records[: len(records) // 2]
    predictions = tmp_path / "predictions.jsonl"
    # gold-shaped for the first half; the rest of the ids are missing and predict nothing
    predictions.write_text(
        "".join(json.dumps({"id": r["id"], "gold": r["gold"]}) + "\n" for r in half)
    )
    result = _eval(tmp_path, "--predictions", str(predictions), "--json", "--fail-under", "0.9")
    assert result.exit_code == 1
    figures = json.loads(result.stdout)
    assert figures["missing_predictions"] == len(records) - len(half)
    methods = figures["fields"]["methods"]["exact"]
    assert methods["p"] == 1.0 and 0.3 < methods["r"] < 0.7
    assert figures["gate_failures"] and "under 0.900" in figures["gate_failures"][0]


def test_bad_gold_file_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "abstract": "a", "gold": {"models": []}}\n')
    result = runner.invoke(app, ["eval", "--gold", str(bad), "--predictions", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: {bad}: line 1: unknown field 'gold.models' (see `enrich eval --check-gold {bad}`)"
    )
    check = runner.invoke(app, ["eval", "--check-gold", str(bad)])
    assert check.exit_code == 1 and "1 problems" in check.output
    good = runner.invoke(app, ["eval", "--check-gold", str(GOLD)])
    assert good.exit_code == 0 and "no problems" in good.output


def test_max_drop_needs_a_comparison(tmp_path: Path) -> None:
    result = _eval(tmp_path, "--predictions", str(GOLD), "--max-drop", "1")
    assert result.exit_code == 2 and "--compare last" in result.output
