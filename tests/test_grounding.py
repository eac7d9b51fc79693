from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from enrich.core.grounding import ground, locate, numbers_in, on_token_boundaries, value_in_text
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
    assert numbers_in("an MPJPE of 49.9mm and 8.9 cm") == [49.9, 8.9]  # a unit glued on


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


# --- token boundaries, numbers and versions, LaTeX and Unicode forms ------------------------


def _found(needle: str, abstract: str) -> str | None:
    span = locate(needle, abstract)
    return None if span is None else abstract[span.start : span.end]


def test_a_match_never_starts_or_ends_inside_a_word() -> None:
    assert _found("GAN", "We grow organic crystals.") is None
    assert _found("BERT", "We fine-tune RoBERTa on GLUE.") is None
    assert _found("BERT", "RoBERTa beats BERT-base.") == "BERT"  # the later, whole word
    span = locate("BERT", "RoBERTa beats BERT-base.")
    assert span is not None and span.start == 14
    assert _found("LLM", "We align LLMs.") == "LLMs"  # a plural is the whole word, not "LLM|s"


@pytest.mark.parametrize(
    ("needle", "abstract"),
    [
        ("GPT-4o", "We prompt GPT-4 with chain-of-thought."),
        ("Llama-3-70B", "We fine-tune Llama-2-70B on code."),
        ("ImageNet-21k", "Pre-training on ImageNet-1k helps."),
        ("CIFAR-100", "Results on CIFAR-10 are reported."),
    ],
)
def test_fuzzy_matching_never_changes_a_number_or_version(needle: str, abstract: str) -> None:
    assert _found(needle, abstract) is None


def test_fuzzy_matching_still_forgives_case_spacing_hyphens_and_an_article() -> None:
    abstract = "We evaluate Llama-3-70B and GPT-4o on the Vision\u2013Language benchmark."
    assert _found("llama 3 70b", abstract) == "Llama-3-70B"
    assert _found("GPT4o", abstract) == "GPT-4o"
    assert _found("the vision language benchmark", abstract) == "Vision\u2013Language benchmark"
    assert _found("Vision-Languag benchmark", abstract) == "Vision\u2013Language benchmark"


def test_latex_times_meets_x() -> None:
    abstract = r"Our kernel is 1.47 $\times$ faster than FlashAttention."
    assert _found("1.47x", abstract) == r"1.47 $\times$"
    assert _found("1.47\u00d7 faster", abstract) == r"1.47 $\times$ faster"


def test_latex_percent_meets_percent() -> None:
    abstract = r"It reaches $98.7\%$ accuracy and up to \textbf{4.7\%} gains."
    assert _found("98.7%", abstract) == r"98.7\%"
    assert _found("98.7% accuracy", abstract) == r"$98.7\%$ accuracy"
    assert _found("up to 4.7%", abstract) == r"up to \textbf{4.7\%}"


def test_unicode_minus_and_dashes_meet_hyphens() -> None:
    assert _found("-3.1 BLEU", "a change of \u22123.1 BLEU") == "\u22123.1 BLEU"
    assert _found("\u22123.1", "a change of -3.1 BLEU") == "-3.1"
    assert _found("41-55%", r"saves \textbf{41--55\%} tokens") == r"41--55\%"


def test_digits_inside_names_are_not_numbers() -> None:
    assert numbers_in("Llama-2-70B, GPT-4o, ResNet-50, 7B, top-1, pass@1, BLEU-4") == []
    stated = "+5.3% 5.3 points 2.88x 2.88\u00d7 1.47 $\\times$ 98.7\\% \u22123.1 (12.3)"
    assert numbers_in(stated) == [5.3, 5.3, 2.88, 2.88, 1.47, 98.7, -3.1, 12.3]
    assert numbers_in("from 21.4 to 18.2, a 5-fold cut, 41--55\\%") == [21.4, 18.2, 5, 41, 55]
    assert not value_in_text(70, "Llama-2-70B")


_WORDS = ["GAN", "organic", "RoBERTa", "BERT", "GPT-4o", "CIFAR-100", "1.47", "$\\times$", "98.7",
          "\\%", "\u22123.1", "the", "Vision\u2013Language", "(ViT),", "2.88x", "\\textbf{4.7\\%}",
          "of", "ImageNet-21k", "faster."]  # fmt: skip


@given(
    words=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=12),
    picks=st.lists(st.integers(0, 11), min_size=1, max_size=3),
    flip=st.booleans(),
)
@example(words=["organic", "GAN"], picks=[1], flip=True)
@example(words=["RoBERTa", "BERT"], picks=[1], flip=False)
@settings(max_examples=200, deadline=None)
def test_spans_are_slices_of_the_abstract_on_token_boundaries(
    words: list[str], picks: list[int], flip: bool
) -> None:
    abstract = " ".join(words)
    needle = " ".join(words[i % len(words)] for i in picks)
    for candidate in (needle, needle.lower() if flip else needle.replace("-", " ")):
        span = locate(candidate, abstract)
        if span is not None:
            assert 0 <= span.start < span.end <= len(abstract)
            assert on_token_boundaries(abstract, span.start, span.end)
    extracted = _extraction(methods=[{"name": needle, "role": "used"}], tasks=[], datasets=[],
                            metrics=[needle.lower()], gains=[])  # fmt: skip
    result = ground(extracted, abstract)
    for item in [*result.methods, *result.metrics]:
        assert abstract[item.span.start : item.span.end] == item.text
        assert on_token_boundaries(abstract, item.span.start, item.span.end)


def test_whole_token_occurrences() -> None:
    from enrich.core.locate import find_all_whole, find_whole

    text = "BERT and RoBERTa beat BERT-style GAN, not organic BERT."
    assert list(find_all_whole("BERT", text)) == [0, 22, 50]
    assert find_whole("GAN", text) == text.index("GAN,")
    assert find_whole("BERTa", text) == -1 and list(find_all_whole("", text)) == []
