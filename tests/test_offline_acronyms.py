"""Terms an abstract defines with an acronym, placed in the field their head word names."""

from __future__ import annotations

import pytest

from enrich.offline.acronyms import defined_terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Unlike Collaborative Filtering (CF), we", [("methods", "Collaborative Filtering (CF)")]),
        ("Chain-of-thought (CoT) prompting helps.", [("methods", "Chain-of-thought (CoT)")]),
        ("Recent Large Language Models (LLMs) excel",
         [("methods", "Large Language Models (LLMs)")]),
        ("We study Unsupervised domain adaptation (UDA) here.", []),  # "adaptation": ambiguous
        ("in Chinese word segmentation (CWS) and", [("tasks", "Chinese word segmentation (CWS)")]),
        ("raising the attack success rate (ASR) to", [("metrics", "attack success rate (ASR)")]),
        ("on the Long Range Arena benchmark (LRA).",
         [("datasets", "Long Range Arena benchmark (LRA)")]),
        ("a new Visual Reasoning Benchmark (VRB) for",
         [("datasets", "Visual Reasoning Benchmark (VRB)")]),
    ],
)  # fmt: skip
def test_defined_terms(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(field, text[a:b]) for field, a, b in defined_terms(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "results on ImageNet (IN) are",  # one capital in the long form's run: not a definition
        "the model (see Fig. 2) shows",  # not an acronym
        "with three seeds (SD) we",  # letters do not spell the acronym
        "an approach (AB) that",  # no words spell A, B
    ],
)
def test_not_a_definition(text: str) -> None:
    assert defined_terms(text) == []
