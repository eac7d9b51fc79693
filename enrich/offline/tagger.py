"""The entity tagger: a linear-chain CRF over tokens, BIO labels, four scored fields.

The model is trained by `python -m enrich.offline.train` on public labeled abstracts and shipped
in `data/entities.crfsuite`; tagging is deterministic and needs no network.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import pycrfsuite

from enrich.offline.clusters import Clusters, load_clusters
from enrich.offline.features import FeatureExtractor
from enrich.offline.spans import (
    Coverage,
    drop_count,
    is_generic,
    metric_mentions,
    split_coordination,
    url_ranges,
)
from enrich.offline.tokens import Token, sentence_spans, sentences, word_set

DEFAULT_MODEL = Path(__file__).parent / "data" / "entities.crfsuite"
_DIGIT = re.compile(r"\d")


def clusters_file(model: Path) -> Path:
    """Where the word clusters a model was trained with are kept: beside the model."""
    return model.with_suffix(".clusters.tsv")


# CRF label types -> scored fields; other types (trained for contrast) are dropped.
FIELD_OF_TYPE = {"MET": "methods", "TASK": "tasks", "DATA": "datasets", "METRIC": "metrics"}

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


def decode(tokens: list[Token], labels: list[str]) -> list[tuple[str, int, int]]:
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
        spans.append((current, begin, len(tokens)))
    return spans


def _trim(tokens: list[Token], begin: int, end: int) -> tuple[int, int]:
    """Drop determiners and stray punctuation at the edges; keep balanced brackets."""
    while begin < end and (
        tokens[begin].text.lower() in _EDGE_WORDS or tokens[begin].text in _EDGE_PUNCT
    ):
        begin += 1
    while end > begin and tokens[end - 1].text in _EDGE_PUNCT:
        end -= 1
    if end > begin and tokens[end - 1].text == "(":
        end -= 1
    opened = sum(1 for t in tokens[begin:end] if t.text == "(")
    closed = sum(1 for t in tokens[begin:end] if t.text == ")")
    if opened > closed and end < len(tokens) and tokens[end].text == ")":
        end += 1
    elif closed > opened and tokens[end - 1].text == ")":
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
    """Loads the CRF once; `tag` returns the entities of one abstract, sorted by start."""

    def __init__(self, model: pycrfsuite.Tagger, clusters: Clusters | None = None) -> None:
        self._tagger = model
        known = frozenset(name for name, _ in model.info().state_features)
        self._features = FeatureExtractor(known, clusters)

    @classmethod
    def load(cls, path: Path | None = None) -> EntityTagger:
        """The model at `path` with the word clusters it was trained with, stored beside it."""
        model = path or DEFAULT_MODEL
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model))
        return cls(tagger, load_clusters(clusters_file(model)))

    def tag_sentences(self, text: str) -> list[tuple[list[Token], list[tuple[str, int, int]]]]:
        """Each sentence's tokens with its decoded (field, first, last) token spans."""
        tag = self._tagger.tag
        sentence = self._features.sentence
        out: list[tuple[list[Token], list[tuple[str, int, int]]]] = []
        for tokens in sentences(text):
            labels = tag(sentence([t.text for t in tokens]))
            spans = [
                (FIELD_OF_TYPE[kind], first, last)
                for kind, first, last in decode(tokens, labels)
                if kind in FIELD_OF_TYPE
            ]
            out.append((tokens, spans))
        return out

    def tag(self, text: str) -> list[Entity]:
        """The entities of `text`, cleaned (see `enrich.offline.spans`), sorted by start."""
        links = url_ranges(text)
        urls = Coverage(len(text), links)
        entities: list[Entity] = []
        for tokens, spans in self.tag_sentences(text):
            for field, first, last in spans:
                begin, end = _trim(tokens, first, last)
                if begin >= end:
                    continue
                begin = drop_count(tokens, begin, end)
                for a, b in split_coordination(tokens, begin, end):
                    start, stop = _whole_word(text, tokens[a].start), tokens[b - 1].end
                    if urls.overlaps(start, stop) or is_generic(tokens[a:b]):
                        continue
                    entities.append(Entity(field, start, stop, text[start:stop]))
        taken = Coverage(len(text), links)
        for entity in entities:
            if entity.field == "metrics":
                taken.add(entity.start, entity.end)
        # Measures the tagger missed, in sentences that state a number: elsewhere the lexicon's
        # words are mostly mentions, not reported results (dev metrics F1 60.7 -> 66.7).
        ranges = sentence_spans(text)
        starts = [start for start, _ in ranges]
        for start, stop in metric_mentions(text):
            at = bisect_right(starts, start) - 1
            stated = at >= 0 and _DIGIT.search(text, *ranges[at]) is not None
            if stated and not taken.overlaps(start, stop):
                entities.append(Entity("metrics", start, stop, text[start:stop]))
        entities.sort(key=lambda e: (e.start, e.end, e.field))
        return entities
