"""`enrich gold add`: reviewed records join a gold file after the --check-gold rules; ids it
already labels are refused (nothing written) unless --replace; the file's other lines keep
their bytes; `enrich eval --gold` scores the reviewed file directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.gold import parse_gold
from enrich.core.gold_merge import merge_gold

runner = CliRunner()
ABSTRACT = "We propose MemFT, which improves average reward by 40% on ALFWorld."


def _record(record_id: str, **gold: Any) -> dict[str, Any]:
    labels = {"methods": ["MemFT"], "metrics": ["average reward"], **gold}
    return {"id": record_id, "title": "T", "abstract": ABSTRACT, "gold": labels,
            "review": {"run_id": "r1", "model": "m", "note": "checked"}}  # fmt: skip


def _jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_new_records_are_appended_and_old_lines_keep_their_bytes() -> None:
    existing = '{"id": "a",  "abstract": "x", "gold": {"methods": []}}\n'  # odd spacing kept
    addition = merge_gold(existing, _jsonl(_record("b"), _record("c", tasks=[])))
    assert addition.written and addition.added == ("b", "c") and addition.replaced == ()
    lines = addition.text.splitlines()
    assert lines[0] == existing.strip()
    assert [r.id for r in parse_gold(addition.text)] == ["a", "b", "c"]
    assert json.loads(lines[1])["review"]["note"] == "checked"  # provenance kept
    assert addition.annotated == {"methods": 2, "metrics": 2, "tasks": 1}


def test_labeled_ids_are_refused_unless_replaced_in_place() -> None:
    existing = _jsonl(_record("a"), _record("b"))
    refused = merge_gold(existing, _jsonl(_record("b", tasks=["agents"]), _record("c")))
    assert not refused.written and refused.refused == ("b",) and refused.text == ""
    replaced = merge_gold(
        existing, _jsonl(_record("b", tasks=["agents"]), _record("c")), replace=True
    )
    assert replaced.replaced == ("b",) and replaced.added == ("c",)
    records = parse_gold(replaced.text)
    assert [r.id for r in records] == ["a", "b", "c"]  # b stays where it was
    assert records[1].gold.tasks == ["agents"]


def test_cli_adds_checks_and_refuses(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text(_jsonl(_record("p1"), _record("p2")), encoding="utf-8")
    first = runner.invoke(app, ["gold", "add", str(reviewed), "--into", str(gold)])
    assert first.exit_code == 0, first.output
    assert "added 2, replaced 0" in first.stdout
    assert [r.id for r in parse_gold(gold.read_text(encoding="utf-8"))] == ["p1", "p2"]
    before = gold.read_bytes()
    again = runner.invoke(app, ["gold", "add", str(reviewed), "--into", str(gold)])
    assert again.exit_code == 1
    assert "already labels 2 of these ids (p1, p2); nothing was added" in again.stderr
    assert gold.read_bytes() == before
    forced = runner.invoke(
        app, ["gold", "add", str(reviewed), "--into", str(gold), "--replace", "--json"]
    )
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["replaced"] == ["p1", "p2"]


def test_a_reviewed_file_with_problems_adds_nothing(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(_jsonl(_record("a")), encoding="utf-8")
    bad_gain = {"value": 41, "unit": "%", "kind": "delta", "text": "by 40%"}
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text(_jsonl(_record("b", gains=[bad_gain]), _record("b")), encoding="utf-8")
    result = runner.invoke(app, ["gold", "add", str(reviewed), "--into", str(gold)])
    assert result.exit_code == 1
    assert "value 41 does not occur in its text" in result.stderr
    assert "duplicate id 'b'" in result.stderr
    assert "2 problems; nothing was added" in result.stderr
    assert [r.id for r in parse_gold(gold.read_text(encoding="utf-8"))] == ["a"]


def test_eval_scores_a_reviewed_file_directly(tmp_path: Path) -> None:
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text(_jsonl(_record("p1")), encoding="utf-8")
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(
        json.dumps({"id": "p1", "methods": ["MemFT", "ALFWorld"], "metrics": []}) + "\n",
        encoding="utf-8",
    )
    argv = ["eval", "--gold", str(reviewed), "--predictions", str(predictions),
            "--runs-dir", str(tmp_path / "runs"), "--json"]  # fmt: skip
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    methods, metrics = run["fields"]["methods"]["exact"], run["fields"]["metrics"]["exact"]
    assert (methods["tp"], methods["fp"], methods["fn"]) == (1, 1, 0)  # ALFWorld rejected: FP
    assert (metrics["tp"], metrics["fp"], metrics["fn"]) == (0, 0, 1)  # added by review: miss
