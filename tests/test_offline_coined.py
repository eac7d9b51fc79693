"""Names an abstract coins for its contribution, and whether each is a method or a dataset."""

from __future__ import annotations

import pytest

from enrich.offline.coined import coined_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("To this end, we propose SatFed, a resource-efficient framework.",
         [("methods", "SatFed")]),
        ("We develop a simple dual-branch framework, dubbed R2CNet, with two branches.",
         [("methods", "R2CNet")]),
        ("We introduce DocFormBench, a benchmark that extends evaluation to new formats.",
         [("datasets", "DocFormBench")]),
        ("We first assemble a large-scale dataset, called R2C7K, of 7K images.",
         [("datasets", "R2C7K")]),
        ("This paper presents EMAT (Efficient Masked Attention Transformer).",
         [("methods", "EMAT")]),
        ("We propose G$^3$SR, which learns global graphs.", [("methods", "G$^3$SR")]),
    ],
)  # fmt: skip
def test_coined_names(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(field, text[a:b]) for field, a, b in coined_names(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "We propose a novel framework for graph learning.",  # no name
        "We propose Mindscape-Aware RAG (MiA-RAG), the first system.",  # part of a longer name
        "Prior work proposed BERT for this task.",  # not introduced by the paper
        "We present results on ImageNet.",  # not a coined-looking name after the verb
    ],
)
def test_no_coined_name(text: str) -> None:
    assert coined_names(text) == []
