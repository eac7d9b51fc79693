"""Clean-up of tagged spans: what a sequence tagger gets systematically wrong about names.

The CRF sees one sentence of words at a time; these rules use what it cannot: the span as a
whole (a generic phrase like "three real-world datasets" names nothing), the abstract around it
(a span inside a URL is not an entity), coordination ("ISIC and ChestX" are two datasets), and the
tagger's own confidence (on unfamiliar text a low-marginal span is more often wrong than right).
All rules are general English cues; none lists this corpus's names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from enrich.core.convention import COUNT, is_generic_phrase

_URL = re.compile(r"(?:https?://|www\.|github\.com/|//)\S+", re.IGNORECASE)
_NAMEY = re.compile(r"[A-Z0-9]")
_CONJ = frozenset(["and", "or", ","])


def url_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of URLs and repository paths in `text`."""
    return [(m.start(), m.end()) for m in _URL.finditer(text)]


class Coverage:
    """The characters of a text that some ranges cover. An overlap test costs the length of the
    span tested, not the number of ranges, so a long text with thousands of mentions stays
    linear."""

    def __init__(self, size: int, ranges: Sequence[tuple[int, int]] = ()) -> None:
        self._covered = bytearray(size)
        for start, end in ranges:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        self._covered[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return 1 in self._covered[start:end]


def is_generic(words: Sequence[str]) -> bool:
    """True when no word of the span names anything in particular."""
    named = [word for word in words if word[0].isalnum()]
    return not named or is_generic_phrase(named)


def drop_count(words: Sequence[str], first: int, last: int) -> int:
    """Skip a leading count ("nine few-shot classification datasets" -> "few-shot ...")."""
    while first < last - 1 and COUNT.match(words[first].lower()):
        first += 1
    return first


def split_coordination(words: Sequence[str], first: int, last: int) -> list[tuple[int, int]]:
    """Split "ISIC and ChestX" or "CUB, Cars and Places" into its names, when every conjunct
    looks like a name (has a capital or digit); phrases like "detection and segmentation
    tasks" keep their shared head and stay whole."""
    parts: list[tuple[int, int]] = []
    begin = first
    for i in range(first, last):
        if words[i].lower() in _CONJ:
            if i > begin:
                parts.append((begin, i))
            begin = i + 1
    if begin < last:
        parts.append((begin, last))
    if len(parts) < 2:
        return [(first, last)]
    if all(any(_NAMEY.search(word) for word in words[a:b]) for a, b in parts) and all(
        b - a <= 3 for a, b in parts
    ):
        return parts
    return [(first, last)]


# Evaluation measures by their usual names: a curated lexicon of general terms, so a metric the
# tagger has not seen in its training abstracts ("FLOPs", "attack success rate") is still found.
_METRIC = re.compile(
    r"(?<![\w-])(?:(?:top-\d+|macro|micro|weighted|average|mean|overall|exact[- ]match|"
    r"word|character|attack|task|cache|hit|win|pass|success|error|response|end-to-end|"
    r"inference|training|communication|memory|token|compression|f1|bleu|rouge)[- ]?)?"
    r"(?:accuracy|precision|recall|f1(?:[- ]score)?|f[- ]?(?:score|measure)|bleu(?:-\d)?|"
    r"rouge(?:-[\dlL])?|meteor|cider|perplexity|fid|psnr|ssim|lpips|au(?:ro)?c|map|m?iou|"
    r"exact match|(?:error|success|hit|win|compression) (?:rate|ratio)|wer|cer|mrr|n?dcg|"
    r"hits@\d+|recall@\d+|pass@\d+|latency|throughput|speed-?ups?|flops|memory (?:footprint|"
    r"usage|consumption|overhead|cost)|inference (?:time|speed|cost)|training (?:time|cost)|"
    r"runtime|energy consumption|(?:communication|computational) (?:overhead|cost)|"
    r"token (?:consumption|usage)|(?:trainable )?parameters|parameter count|delay|"
    r"correlation|rmse|mse|mae)(?![\w-])",
)


# Measures whose name is also an everyday lowercase word ("we map images"): only as acronyms.
_ACRONYM_ONLY = frozenset(["map"])


def metric_mentions(
    text: str, within: Sequence[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """Character ranges of evaluation measures named in `text` (see `_METRIC`), or only of
    those starting inside the ranges `within`; "map" counts only when written with a capital
    ("mAP", "MAP")."""
    low = text.lower()  # matching lowercase text beats a case-insensitive pattern by 3x
    if len(low) != len(text):  # a rare character whose lowercase is longer: offsets would shift
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    out: list[tuple[int, int]] = []
    for first, last in [(0, len(text))] if within is None else within:
        for m in _METRIC.finditer(low, first):
            if m.start() >= last:
                break
            if m.group() not in _ACRONYM_ONLY or text[m.start() : m.end()] != m.group():
                out.append(m.span())
    return out
