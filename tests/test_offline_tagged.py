"""Method names the shipped tagger finds that complete an LLM's answer, and what it leaves."""

from __future__ import annotations

import pytest

from enrich.offline.tagged import tagged_methods
from enrich.offline.tagger import EntityTagger


@pytest.fixture(scope="module")
def tagger() -> EntityTagger:
    return EntityTagger.load()


def _names(text: str, tagger: EntityTagger) -> list[str]:
    return [text[a:b] for a, b in tagged_methods(tagger.tag(text))]


def _tagged(text: str, tagger: EntityTagger) -> set[str]:
    return {e.text for e in tagger.tag(text) if e.field == "methods"}


def test_one_word_marked_as_a_name(tagger: EntityTagger) -> None:
    text = "We train Qwen2.5-Math with GRPO and compare it with PPO."
    assert _names(text, tagger) == ["Qwen2.5-Math", "GRPO"]
    assert _names("We compare TreeLSTM with a recurrent neural network.", tagger) == ["TreeLSTM"]


def test_lowercase_phrase_headed_by_a_technique(tagger: EntityTagger) -> None:
    text = "The encoder uses multi-head attention and a graph attention network."
    # Both are tagged; one headed by "network" says only "a system of some kind" and stays out.
    assert _tagged(text, tagger) == {"multi-head attention", "graph attention network"}
    assert _names(text, tagger) == ["multi-head attention"]


def test_capitalised_phrases_and_system_heads_stay_out(tagger: EntityTagger) -> None:
    text = "Unlike Low-Rank Adaptation, we use a diffusion model."
    assert _tagged(text, tagger) == {"Low-Rank Adaptation", "diffusion model"}
    assert _names(text, tagger) == []
