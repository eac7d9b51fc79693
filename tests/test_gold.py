"""The gold-file validator and the predictions reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enrich.core.gold import GoldFormatError, check_gold, parse_gold, parse_predictions
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set

ROOT = Path(__file__).resolve().parent.parent
ABSTRACT = "We propose X. X improves accuracy by 5.3% on SQuAD over BERT."


def line(**overrides: Any) -> str:
    rec: dict[str, Any] = {
        "id": "r1",
        "abstract": ABSTRACT,
        "split": "test",  # extra top-level keys are allowed
        "gold": {
            "methods": ["X", "BERT"],
            "tasks": None,
            "datasets": ["SQuAD"],
            "metrics": ["accuracy"],
            "gains": [
                {"metric": "accuracy", "value": 5.3, "unit": "%", "kind": "delta",
                 "baseline": "BERT", "baseline_value": None, "dataset": "SQuAD",
                 "text": "improves accuracy by 5.3%"}
            ],
        },
    }  # fmt: skip
    rec.update(overrides)
    return json.dumps(rec)


def test_a_good_record_passes() -> None:
    assert check_gold(line() + "\n") == []
    (record,) = parse_gold(line())
    assert record.gold.tasks is None and record.gold.methods == ["X", "BERT"]


def test_broken_records_are_each_named() -> None:
    good = json.loads(line())
    unknown = json.loads(line(id="r2"))
    unknown["gold"]["models"] = ["X"]
    bad_gain_key = json.loads(line(id="r3"))
    bad_gain_key["gold"]["gains"][0]["confidence"] = 1
    not_substring = json.loads(line(id="r4"))
    not_substring["gold"]["gains"][0]["text"] = "improves accuracy by 5.3 %"
    wrong_value = json.loads(line(id="r5"))
    wrong_value["gold"]["gains"][0]["value"] = 53
    text = "\n".join(
        json.dumps(r) for r in (good, unknown, bad_gain_key, not_substring, wrong_value, good)
    )
    text += "\n{not json\n"
    problems = [str(p) for p in check_gold(text)]
    assert problems == [
        "line 2: unknown field 'gold.models'",
        "line 3: unknown field 'gold.gains.0.confidence'",
        "line 4: r4: gains[0]: text 'improves accuracy by 5.3 %' is not in the abstract",
        "line 5: r5: gains[0]: value 53 does not occur in its text",
        "line 6: duplicate id 'r1' (first on line 1)",
        "line 7: not JSON (Expecting property name enclosed in double quotes)",
    ]


def test_few_shot_examples_may_not_be_gold() -> None:
    example = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract").examples[0]
    text = line(abstract=example.text, gold={"methods": []})
    (problem,) = check_gold(text, [example.text])
    assert "few-shot example" in problem.message


def test_parse_gold_stops_at_the_first_bad_line() -> None:
    with pytest.raises(GoldFormatError, match="line 2: duplicate id"):
        parse_gold(line() + "\n" + line())


def test_the_project_gold_set_passes_the_validator() -> None:
    text = (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8")
    examples = [e.text for e in load_prompt_set(DEFAULT_PROMPTS_DIR / "extract").examples]
    assert check_gold(text, examples) == []
    records = parse_gold(text)
    assert len(records) >= 60
    for rec in records:  # our own convention: every label is a verbatim span
        for field in ("methods", "tasks", "datasets", "metrics"):
            for item in rec.gold.strings(field) or []:
                assert item in rec.abstract, (rec.id, field, item)


def test_predictions_in_every_accepted_shape() -> None:
    text = "\n".join(
        [
            json.dumps({"id": "top", "methods": ["A"], "tasks": ["t"]}),
            json.dumps({"id": "gold", "gold": {"datasets": ["D"], "gains": [{"value": 2}]}}),
            json.dumps(
                {
                    "id": "papers",
                    "extraction": {
                        "methods": [{"name": "M", "role": "proposed", "text": "M", "span": {}}],
                        "metrics": [{"name": "F1", "text": "F1"}],
                        "gains": [{"value": 1.5, "metric": "F1", "span": {"start": 0}}],
                    },
                }
            ),
        ]
    )
    preds = parse_predictions(text)
    assert preds["top"].methods == ["A"] and preds["top"].datasets == []
    assert preds["gold"].datasets == ["D"] and preds["gold"].gains is not None
    assert preds["gold"].gains[0].value == 2.0
    assert preds["papers"].methods == ["M"] and preds["papers"].metrics == ["F1"]
    assert preds["papers"].gains is not None and preds["papers"].gains[0].metric == "F1"
