from __future__ import annotations

from enrich.core.grounding import ground, locate, numbers_in, value_in_text
from enrich.core.schema import ModelExtraction

ABSTRACT = (
    "We introduce MemFT, a threshold-guided  optimization strategy for Vision\u2013Language "
    "tasks. On CIFAR-100 it reaches 98.7% accuracy, improving over LoRA by +5.3 points, "
    "and runs 2.88x faster."
)


def test_locate_exact_normalized_fuzzy_and_missing() -> None:
    exact = locate("MemFT", ABSTRACT)
    assert exact is not None and exact.match == "exact"
    assert ABSTRACT[exact.start : exact.end] == "MemFT"
    spaced = locate("Threshold-guided optimization strategy", ABSTRACT)
    assert spaced is not None and spaced.match == "normalized"
    assert ABSTRACT[spaced.start : spaced.end] == "threshold-guided  optimization strategy"
    dash = locate("vision-language tasks", ABSTRACT)
    assert dash is not None and ABSTRACT[dash.start : dash.end] == "Vision\u2013Language tasks"
    fuzzy = locate("CIFAR100", ABSTRACT)
    assert fuzzy is not None and fuzzy.match == "fuzzy"
    assert ABSTRACT[fuzzy.start : fuzzy.end] == "CIFAR-100"
    assert locate("ImageNet", ABSTRACT) is None
    assert locate("   ", ABSTRACT) is None


def test_numbers() -> None:
    assert numbers_in("+5.3 and 1,024 tokens, 2.88x, \u22120.8, .5") == [5.3, 1024, 2.88, -0.8, 0.5]
    assert value_in_text(40, "improving rewards by 40%")
    assert not value_in_text(4, "improving rewards by 40%")


def _extraction(**overrides: object) -> ModelExtraction:
    data: dict[str, object] = {
        "summary": " MemFT speeds up. ",
        "methods": [{"name": "MemFT", "role": "proposed"}, {"name": "LoRA", "role": "baseline"},
                    {"name": "GPT-9", "role": "baseline"}, {"name": "memft", "role": "used"}],
        "tasks": ["Vision-Language tasks"],
        "datasets": ["CIFAR-100", "ImageNet"],
        "metrics": ["accuracy"],
        "gains": [
            {"metric": "accuracy", "value": 98.7, "unit": "%", "kind": "score", "baseline": None,
             "baseline_value": None, "dataset": "CIFAR-100", "text": "reaches 98.7% accuracy"},
            {"metric": "accuracy", "value": 5.3, "unit": "points", "kind": "delta",
             "baseline": "LoRA", "baseline_value": None, "dataset": None,
             "text": "improving over LoRA by +5.3 points"},
            {"metric": None, "value": 3.5, "unit": "x", "kind": "ratio", "baseline": None,
             "baseline_value": None, "dataset": None, "text": "runs 2.88x faster"},
            {"metric": None, "value": 2.0, "unit": "x", "kind": "ratio", "baseline": None,
             "baseline_value": None, "dataset": None, "text": "twice as fast"},
        ],
    }  # fmt: skip
    data.update(overrides)
    return ModelExtraction.model_validate(data)


def test_ground_keeps_supported_items_with_spans() -> None:
    result = ground(_extraction(), ABSTRACT)
    assert result.summary == "MemFT speeds up."
    assert [(m.name, m.role) for m in result.methods] == [
        ("MemFT", "proposed"),
        ("LoRA", "baseline"),
    ]
    for item in [*result.methods, *result.tasks, *result.datasets, *result.metrics]:
        assert ABSTRACT[item.span.start : item.span.end] == item.text
    assert [d.name for d in result.datasets] == ["CIFAR-100"]
    assert [g.value for g in result.gains] == [98.7, 5.3]
    assert ABSTRACT[result.gains[1].span.start : result.gains[1].span.end] == (
        "improving over LoRA by +5.3 points"
    )


def test_ground_flags_what_it_cannot_support() -> None:
    result = ground(_extraction(), ABSTRACT)
    flagged = [(u.field, u.value, u.reason) for u in result.ungrounded]
    assert flagged == [
        ("methods", "GPT-9", "not found in the abstract"),
        ("datasets", "ImageNet", "not found in the abstract"),
        ("gains", "runs 2.88x faster", "value 3.5 does not occur in its text"),
        ("gains", "twice as fast", "text not found in the abstract"),
    ]
