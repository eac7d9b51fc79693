"""Method names the shipped tagger finds that complete an LLM's answer, and what it leaves."""

from __future__ import annotations

import pytest

from enrich.offline.tagged import tagged_methods
from enrich.offline.tagger import EntityTagger


@pytest.fixture(scope="module")
def tagger() -> EntityTagger:
    return EntityTagger.load()


def _names(text: str, tagger: EntityTagger) -> list[str]:
    return [text[a:b] for a, b in tagged_methods(text, tagger)]


def test_one_word_marked_as_a_name(tagger: EntityTagger) -> None:
    assert _names("We compare GRPO with DAPO.", tagger) == ["GRPO", "DAPO"]
    assert _names("We compare TreeLSTM with a recurrent neural network.", tagger) == ["TreeLSTM"]


def test_lowercase_phrase_headed_by_a_technique(tagger: EntityTagger) -> None:
    text = (
        "A softmax classifier is trained on top of a convolutional neural network model, and we "
        "use in-context learning with a deep learning framework."
    )
    tagged = {e.text for e in tagger.tag(text) if e.field == "methods"}
    # The tagger finds all four; the ones headed by "model" or "framework" say only "a system
    # of some kind" and stay out.
    assert {"convolutional neural network model", "deep learning framework"} <= tagged
    assert _names(text, tagger) == ["softmax classifier", "in-context learning"]


def test_system_heads_and_capitalised_phrases_stay_out(tagger: EntityTagger) -> None:
    text = "We use a graph attention network and the Graph Attention Network of prior work."
    tagged = {e.text for e in tagger.tag(text) if e.field == "methods"}
    assert tagged == {"graph attention network", "Graph Attention Network of prior work"}
    assert _names(text, tagger) == []
