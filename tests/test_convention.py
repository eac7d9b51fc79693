"""Items that are in the abstract but name nothing in particular are rejected with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enrich.core.convention import refield, rejection
from enrich.core.grounding import ground
from enrich.core.schema import ModelExtraction, ModelMethod

ROOT = Path(__file__).resolve().parent.parent

ABSTRACT = (
    "We propose the GraphMix framework for session-based recommendation. Experiments on three "
    "real-world datasets, image datasets, the GLUE tasks and WMT14 En-De show gains in NDCG; "
    "our method beats none of the baselines it should not."
)


@pytest.mark.parametrize(
    ("field", "name", "reason"),
    [
        ("datasets", "none", "placeholder"),
        ("metrics", "N/A", "placeholder"),
        ("methods", "our method", "generic"),
        ("methods", "the proposed framework", "generic"),
        ("datasets", "three real-world datasets", "generic"),
        ("metrics", "performance", "generic"),
        ("datasets", "Image datasets", "describes data"),
        ("datasets", "three sentence-level cross-lingual benchmarks", "describes data"),
        ("datasets", "multiple benchmark knowledge graphs", "describes data"),
        ("datasets", "20 benchmarks spanning image-text tasks with Qwen3-VL", "describes data"),
        ("datasets", "real-world satellite networks", "describes data"),
    ],
)
def test_rejected_names(field: str, name: str, reason: str) -> None:
    why = rejection(field, name)
    assert why is not None and reason in why


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("datasets", "GLUE tasks"),  # a name with a generic head stays (relaxed match)
        ("datasets", "WMT14 En-De"),
        ("datasets", "toxcast"),  # a lowercase name is still a name
        ("datasets", "ImageNet data"),
        ("methods", "LLMs"),
        ("methods", "contrastive learning"),
        ("tasks", "image datasets"),  # the collection rule is for datasets only
    ],
)
def test_names_are_kept(field: str, name: str) -> None:
    assert rejection(field, name) is None


def test_no_label_of_ours_is_rejected() -> None:
    """The rules encode eval/GUIDELINES.md: none of our hand labels may be ruled out."""
    checked = 0
    for name in ("dev.jsonl", "recent.jsonl", "gold.jsonl", "train.jsonl", "train_relabel.jsonl"):
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            gold = json.loads(line)["gold"]
            for field in ("methods", "tasks", "datasets", "metrics"):
                for item in gold.get(field) or []:
                    checked += 1
                    assert rejection(field, item) is None, (name, field, item)
    assert checked > 3000


def test_ground_reports_rejected_items_apart_from_ungrounded() -> None:
    extracted = ModelExtraction(
        summary="s",
        methods=[
            ModelMethod(name="GraphMix", role="proposed"),
            ModelMethod(name="our method", role="proposed"),
        ],
        tasks=["session-based recommendation"],
        datasets=["three real-world datasets", "image datasets", "GLUE tasks", "none", "SQuAD"],
        metrics=["NDCG"],
        gains=[],
    )
    result = ground(extracted, ABSTRACT)
    assert [m.name for m in result.methods] == ["GraphMix"]
    assert [d.name for d in result.datasets] == ["GLUE tasks"]
    assert {(r.field, r.value) for r in result.rejected} == {
        ("methods", "our method"),
        ("datasets", "three real-world datasets"),
        ("datasets", "image datasets"),
        ("datasets", "none"),
    }
    assert [(u.field, u.value) for u in result.ungrounded] == [("datasets", "SQuAD")]


def test_unknown_items_policy_is_one_clear_line() -> None:
    from enrich.config import item_policy
    from enrich.errors import ConfigError

    assert item_policy("both") == "both"
    with pytest.raises(ConfigError) as caught:
        item_policy("rules")
    assert "--items" in str(caught.value) and "model, both" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("field", "name", "expected"),
    [
        ("datasets", "sentiment analysis", "tasks"),
        ("datasets", "topic classification", "tasks"),
        ("datasets", "ImageNet classification", "datasets"),  # a marked name stays
        ("datasets", "code generation", "datasets"),  # "generation" also heads methods (RAG)
        ("methods", "few-shot classification", "methods"),  # only datasets are re-fielded
    ],
)
def test_refield(field: str, name: str, expected: str) -> None:
    assert refield(field, name) == expected


def test_ground_moves_a_task_listed_as_a_dataset() -> None:
    abstract = "We evaluate on SST-2 for sentiment analysis."
    extracted = ModelExtraction(
        summary="s", methods=[], tasks=[], datasets=["SST-2", "sentiment analysis"],
        metrics=[], gains=[],
    )  # fmt: skip
    result = ground(extracted, abstract)
    assert [d.name for d in result.datasets] == ["SST-2"]
    assert [t.name for t in result.tasks] == ["sentiment analysis"]
