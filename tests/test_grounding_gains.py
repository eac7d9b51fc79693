"""Gains are grounded by their number: quotes located or replaced by the clause stating the
value; attributes the abstract does not support are cleared, with a warning."""

from __future__ import annotations

from typing import Any

from enrich.backends.fake import FakeBackend
from enrich.core.grounding import ground, match_kind_counts
from enrich.core.models import Paper
from enrich.core.schema import Extraction, ModelExtraction
from enrich.pipeline import run_extraction
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set

ABSTRACT = (
    "We fine-tune Llama-2-70B with RPO. On MATH, RPO outperforms GRPO and SFT by +11.8 and "
    "+10.5 points; on GSM8K its accuracy improves by 11.8 points over GRPO. Decoding is "
    "1.47 $\\times$ faster, with $98.7\\%$ accuracy and a perplexity change of \u22123.1."
)


def _gain(value: float, text: str, **attributes: Any) -> dict[str, Any]:
    gain = {"metric": None, "value": value, "unit": None, "kind": "delta", "baseline": None,
            "baseline_value": None, "dataset": None, "text": text}  # fmt: skip
    return gain | attributes


def _ground(*gains: dict[str, Any], abstract: str = ABSTRACT) -> Extraction:
    extracted = ModelExtraction.model_validate(
        {"summary": "RPO.", "methods": [], "tasks": [], "datasets": [], "metrics": [],
         "gains": list(gains)}
    )  # fmt: skip
    return _check_spans(ground(extracted, abstract), abstract)


def _check_spans(result: Extraction, abstract: str) -> Extraction:
    for gain in result.gains:
        assert 0 <= gain.span.start < gain.span.end <= len(abstract)
        if gain.span.match == "clause":
            assert gain.text == abstract[gain.span.start : gain.span.end]
    return result


def test_a_value_inside_a_name_is_not_stated() -> None:
    result = _ground(_gain(70, "Llama-2-70B"), _gain(2, "Llama-2-70B"))
    assert result.gains == []
    assert [(u.value, u.reason) for u in result.ungrounded] == [
        ("Llama-2-70B", "value 70 does not occur in its text"),
        ("Llama-2-70B", "value 2 does not occur in its text"),
    ]


def test_unsupported_metric_baseline_and_dataset_are_cleared_and_the_gain_kept() -> None:
    gain = _gain(10.5, "by +11.8 and +10.5 points", metric="BLEU", baseline="PPO",
                 dataset="HumanEval", unit="points")  # fmt: skip
    (kept,) = _ground(gain).gains
    assert (kept.value, kept.metric, kept.baseline, kept.dataset) == (10.5, None, None, None)
    result = _ground(gain)
    assert [(c.field, c.value, c.reason) for c in result.cleared] == [
        ("gains.metric", "BLEU", "not found in the abstract"),
        ("gains.baseline", "PPO", "not found in the abstract"),
        ("gains.dataset", "HumanEval", "not found in the abstract"),
    ]
    supported = _gain(10.5, "by +11.8 and +10.5 points", metric="accuracy", baseline="sft",
                      dataset="the MATH")  # fmt: skip
    (kept,) = _ground(supported).gains
    assert (kept.metric, kept.baseline, kept.dataset) == ("accuracy", "sft", "the MATH")


def test_cleared_attributes_become_warnings() -> None:
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    response = {"summary": "RPO.", "methods": [], "tasks": [], "datasets": [], "metrics": [],
                "gains": [_gain(11.8, "improves by 11.8 points", metric="BLEU")]}  # fmt: skip
    paper = Paper(id="p", title="RPO", abstract=ABSTRACT)
    (outcome,), stats = run_extraction([paper], FakeBackend(prompt, [response]), prompt)
    assert outcome.warnings == ["cleared gains.metric: 'BLEU' (not found in the abstract)"]
    assert stats.ungrounded == 0


def test_a_baseline_value_the_abstract_does_not_state_is_cleared() -> None:
    result = _ground(
        _gain(11.8, "improves by 11.8 points", baseline="GRPO", baseline_value=70),
        _gain(11.8, "improves by 11.8 points", baseline="GRPO", baseline_value=10.5),
    )
    assert [g.baseline_value for g in result.gains] == [None, 10.5]
    assert [(c.field, c.value) for c in result.cleared] == [("gains.baseline_value", "70")]


def test_a_stitched_quote_is_grounded_by_the_clause_stating_its_number() -> None:
    (gain,) = _ground(_gain(10.5, "RPO outperforms SFT by +10.5 points", baseline="SFT")).gains
    assert gain.span.match == "clause"
    assert gain.text == "On MATH, RPO outperforms GRPO and SFT by +11.8 and +10.5 points"
    assert gain.baseline == "SFT"


def test_the_clause_naming_the_metric_is_preferred() -> None:
    stitched = "RPO gains +11.8"  # its words favour the MATH clause; the metric decides
    by_metric = _ground(_gain(11.8, stitched, metric="accuracy")).gains[0]
    assert by_metric.span.match == "clause"
    assert by_metric.text == "on GSM8K its accuracy improves by 11.8 points over GRPO"
    by_dataset = _ground(_gain(11.8, "a gain of +11.8 points", dataset="MATH")).gains[0]
    assert by_dataset.text.startswith("On MATH, RPO outperforms GRPO and SFT")
    counts = match_kind_counts(_ground(_gain(11.8, stitched), _gain(10.5, "+10.5 points")))
    assert counts == {"exact": 1, "normalized": 0, "fuzzy": 0, "clause": 1}


def test_a_paraphrase_whose_number_is_not_stated_is_ungrounded() -> None:
    result = _ground(_gain(12.0, "RPO beats GRPO by 12 points"), _gain(11.8, "twice as fast"))
    assert [g.span.match for g in result.gains] == ["clause"]
    assert [(u.value, u.reason) for u in result.ungrounded] == [
        ("RPO beats GRPO by 12 points", "text not found in the abstract")
    ]


def test_latex_and_unicode_forms_of_a_gain_meet() -> None:
    result = _ground(
        _gain(1.47, "1.47x faster", kind="ratio", unit="x"),
        _gain(98.7, "98.7% accuracy", kind="score", unit="%", metric="accuracy"),
        _gain(3.1, "a perplexity change of -3.1", metric="perplexity"),
    )
    assert [ABSTRACT[g.span.start : g.span.end] for g in result.gains] == [
        r"1.47 $\times$ faster",
        r"$98.7\%$ accuracy",
        "a perplexity change of \u22123.1",
    ]
    assert [g.span.match for g in result.gains] == ["fuzzy", "normalized", "normalized"]
    assert result.ungrounded == [] and result.cleared == []
