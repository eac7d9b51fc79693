"""The entity tagger: a linear-chain CRF over tokens, BIO labels, four scored fields.

The model is trained by `python -m enrich.offline.train` on public labeled abstracts and shipped
in `data/entities.crfsuite`; tagging is deterministic and needs no network.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pycrfsuite

from enrich.core.registry import EXTRACTED
from enrich.offline.clusters import load_clusters
from enrich.offline.crf import LinearChain, joined_strings, split_strings
from enrich.offline.spans import (
    Coverage,
    drop_count,
    is_generic,
    metric_mentions,
    split_coordination,
    url_ranges,
)
from enrich.offline.tokens import sentence_spans, sentence_words, word_set, word_starts

DEFAULT_MODEL = Path(__file__).parent / "data" / "entities.crfsuite"
_DIGIT = re.compile(r"\d")


def clusters_file(model: Path) -> Path:
    """Where the word clusters a model was trained with are kept: beside the model."""
    return model.with_suffix(".clusters.tsv")


def compiled_file(model: Path) -> Path:
    """Where the model's arrays and clusters are kept ready to load, beside the model."""
    return model.with_suffix(".npz")


def model_digest(model: Path) -> str:
    """What ties a compiled file to its model and clusters: a retrained model not compiled
    again is noticed, and parsed as before."""
    digest = hashlib.sha256(model.read_bytes())
    beside = clusters_file(model)
    if beside.is_file():
        digest.update(beside.read_bytes())
    return digest.hexdigest()


def compile_model(model: Path) -> Path:
    """Write `compiled_file(model)`: crfsuite's dump parsed once (about 0.45 s, every start
    otherwise) and the clusters as one array, so loading takes a few milliseconds."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    info = tagger.info()
    chain = LinearChain(tagger.labels(), info.state_features, info.transitions)
    clusters = load_clusters(clusters_file(model))
    arrays: dict[str, Any] = {
        "digest": np.array(model_digest(model)),
        "cluster_words": joined_strings(list(clusters)),
        "cluster_ids": np.array(list(clusters.values()) or [()], dtype=np.int32)[: len(clusters)],
        **chain.arrays(),
    }
    out = compiled_file(model)
    with out.open("wb") as handle:
        np.savez(handle, **arrays)
    return out


# CRF label types -> scored fields; other types (trained for contrast) are dropped.
FIELD_OF_TYPE = {spec.tagger_type: spec.name for spec in EXTRACTED}

# Words never worth keeping at the edges of a span ("the SQuAD dataset" -> "SQuAD dataset").
_EDGE_WORDS = word_set("a an the our their its this these that those such both")
_EDGE_PUNCT = frozenset(",.;:")


@dataclass(frozen=True, slots=True)
class Entity:
    """A tagged span; `text == abstract[start:end]`."""

    field: str
    start: int
    end: int
    text: str


def decode(labels: Sequence[str]) -> list[tuple[str, int, int]]:
    """BIO labels -> (type, first token, last token + 1); a stray I- starts a span."""
    spans: list[tuple[str, int, int]] = []
    current: str | None = None
    begin = 0
    for i, label in enumerate(labels):
        kind = label[2:] if label != "O" else None
        if current is not None and (kind != current or label[0] in "BU"):
            spans.append((current, begin, i))
            current = None
        if kind is not None and current is None:
            current, begin = kind, i
        if current is not None and label[0] in "LU":
            spans.append((current, begin, i + 1))
            current = None
    if current is not None:
        spans.append((current, begin, len(labels)))
    return spans


def _trim(words: Sequence[str], begin: int, end: int) -> tuple[int, int]:
    """Drop determiners and stray punctuation at the edges; keep balanced brackets."""
    while begin < end and (words[begin].lower() in _EDGE_WORDS or words[begin] in _EDGE_PUNCT):
        begin += 1
    while end > begin and words[end - 1] in _EDGE_PUNCT:
        end -= 1
    if end > begin and words[end - 1] == "(":
        end -= 1
    opened = words[begin:end].count("(")
    closed = words[begin:end].count(")")
    if opened > closed and end < len(words) and words[end] == ")":
        end += 1
    elif closed > opened and words[end - 1] == ")":
        end -= 1
    return begin, end


def _whole_word(text: str, start: int) -> int:
    """Move a start that falls inside a LaTeX-styled word ("\\textbf{I}nstructions") back to
    the word's first character, so the span names the whole word."""
    if start == 0 or text[start - 1] != "}":
        return start
    begin = start
    while begin > 0 and not text[begin - 1].isspace() and text[begin - 1] not in "([":
        begin -= 1
    return begin if "\\" in text[begin:start] else start


class EntityTagger:
    """Loads the CRF once; `tag` returns the entities of one abstract, sorted by start, and
    `tag_many` those of several (faster: one Viterbi pass over all their sentences)."""

    def __init__(self, chain: LinearChain) -> None:
        self._chain = chain

    @classmethod
    def load(cls, path: Path | None = None) -> EntityTagger:
        """The model at `path` with the word clusters it was trained with, stored beside it:
        from its compiled file when that matches it, else parsed from crfsuite's file."""
        model = path or DEFAULT_MODEL
        compiled = compiled_file(model)
        if compiled.is_file():
            with np.load(compiled) as arrays:
                if str(arrays["digest"]) == model_digest(model):
                    words = split_strings(arrays["cluster_words"])
                    ids = map(tuple, arrays["cluster_ids"].tolist())
                    clusters = dict(zip(words, ids, strict=True))
                    return cls(LinearChain.from_arrays(arrays, clusters))
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model))
        info = tagger.info()
        clusters = load_clusters(clusters_file(model))
        return cls(LinearChain(tagger.labels(), info.state_features, info.transitions, clusters))

    def tag(self, text: str) -> list[Entity]:
        """The entities of `text`, cleaned (see `enrich.offline.spans`), sorted by start."""
        return self.tag_many([text])[0]

    def tag_many(self, texts: Sequence[str]) -> list[list[Entity]]:
        """The entities of each of `texts`, in order."""
        split = [sentence_words(text) for text in texts]
        labels = iter(self._chain.tag([words for parts in split for _, words in parts]))
        return [
            self._entities(text, [(start, words, next(labels)) for start, words in parts])
            for text, parts in zip(texts, split, strict=True)
        ]

    def _entities(self, text: str, tagged: list[tuple[int, list[str], list[str]]]) -> list[Entity]:
        """Each sentence's (start, words, labels) -> cleaned entities, plus measures the tagger
        missed in sentences that state a number."""
        links = url_ranges(text)
        urls = Coverage(len(text), links)
        entities: list[Entity] = []
        for start, words, labels in tagged:
            spans = decode(labels)
            if not spans:
                continue
            starts = word_starts(text, start, words[: spans[-1][2] + 1])  # _trim may add a ')'
            for kind, first, last in spans:
                field = FIELD_OF_TYPE.get(kind)
                if field is None:
                    continue
                begin, end = _trim(words, first, last)
                if begin >= end:
                    continue
                begin = drop_count(words, begin, end)
                for a, b in split_coordination(words, begin, end):
                    begin_at = _whole_word(text, starts[a])
                    end_at = starts[b - 1] + len(words[b - 1])
                    if urls.overlaps(begin_at, end_at) or is_generic(words[a:b]):
                        continue
                    entities.append(Entity(field, begin_at, end_at, text[begin_at:end_at]))
        taken = Coverage(len(text), links)
        for entity in entities:
            if entity.field == "metrics":
                taken.add(entity.start, entity.end)
        # Measures the tagger missed, in sentences that state a number: elsewhere the lexicon's
        # words are mostly mentions, not reported results (dev metrics F1 60.7 -> 66.7).
        stated = [(a, b) for a, b in sentence_spans(text) if _DIGIT.search(text, a, b)]
        for start, stop in metric_mentions(text, stated):
            if not taken.overlaps(start, stop):
                entities.append(Entity("metrics", start, stop, text[start:stop]))
        entities.sort(key=lambda e: (e.start, e.end, e.field))
        return entities
