"""Locate extracted strings in the abstract, so every kept item points at its evidence.

Matching is tried in order of strictness: exact, then case/space/dash-insensitive, then a
bounded fuzzy match over word windows of similar length. A gain is kept only when its `text` is
located and its `value` occurs as a number inside that text.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from enrich.core.schema import (
    Extraction,
    Gain,
    Item,
    MatchKind,
    Method,
    ModelExtraction,
    Span,
    Ungrounded,
)

FUZZY_THRESHOLD = 0.85
_FUZZY_MAX_CHARS = 200
_MINUS = "\u2212"
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014" + _MINUS, "-"))
_NUMBER = re.compile(
    r"(?<![\w.])[-+\u2212]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])[-+\u2212]?\d*\.?\d+"
)
_WORD = re.compile(r"\S+")


def _normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Casefolded text with whitespace runs collapsed, and each output char's source index."""
    out: list[str] = []
    index: list[int] = []
    previous_space = True
    for i, char in enumerate(text.translate(_DASHES)):
        if char.isspace():
            if not previous_space:
                out.append(" ")
                index.append(i)
            previous_space = True
            continue
        previous_space = False
        for folded in char.casefold():
            out.append(folded)
            index.append(i)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def locate(needle: str, haystack: str) -> Span | None:
    """The span of `needle` in `haystack`, or None when it is not there even approximately."""
    needle = needle.strip()
    if not needle:
        return None
    start = haystack.find(needle)
    if start >= 0:
        return Span(start=start, end=start + len(needle), match="exact")
    norm_hay, index = _normalize_with_map(haystack)
    norm_needle, _ = _normalize_with_map(needle)
    found = norm_hay.find(norm_needle)
    if found >= 0:
        end = index[found + len(norm_needle) - 1] + 1
        return Span(start=index[found], end=end, match="normalized")
    return _fuzzy(norm_needle, haystack)


def _fuzzy(norm_needle: str, haystack: str) -> Span | None:
    if not 4 <= len(norm_needle) <= _FUZZY_MAX_CHARS:
        return None
    words = list(_WORD.finditer(haystack))
    size = len(norm_needle.split())
    best: tuple[float, int, int] | None = None
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(norm_needle)
    for width in {max(1, size - 1), size, size + 1}:
        for i in range(len(words) - width + 1):
            start, end = words[i].start(), words[i + width - 1].end()
            window, _ = _normalize_with_map(haystack[start:end])
            matcher.set_seq1(window)
            if matcher.real_quick_ratio() < FUZZY_THRESHOLD:
                continue
            ratio = matcher.ratio()
            if ratio >= FUZZY_THRESHOLD and (best is None or ratio > best[0]):
                best = (ratio, start, end)
    if best is None:
        return None
    # trim punctuation the window may carry at its edges ("(ViT)," -> "ViT")
    _, start, end = best
    while start < end and not haystack[start].isalnum():
        start += 1
    while end > start and not haystack[end - 1].isalnum():
        end -= 1
    return Span(start=start, end=end, match="fuzzy")


def numbers_in(text: str) -> list[float]:
    """Every number written in `text`: `1,024`, `+5.3`, a minus sign, `.5`."""
    values: list[float] = []
    for match in _NUMBER.finditer(text):
        raw = match.group(0).replace(",", "").replace(_MINUS, "-")
        try:
            values.append(float(raw))
        except ValueError:
            continue
    return values


def value_in_text(value: float, text: str) -> bool:
    """True when `value` (sign ignored) is one of the numbers written in `text`."""
    return any(abs(abs(n) - abs(value)) <= 1e-6 * max(1.0, abs(value)) for n in numbers_in(text))


def _key(text: str) -> str:
    return _normalize_with_map(text)[0]


def ground(extracted: ModelExtraction, abstract: str) -> Extraction:
    """Attach spans to every item; move what the abstract does not support to `ungrounded`."""
    result = Extraction(summary=extracted.summary.strip())
    seen: set[tuple[str, str]] = set()

    def place(field: str, name: str) -> tuple[str, Span] | None:
        name = name.strip()
        if not name or (field, _key(name)) in seen:
            return None
        seen.add((field, _key(name)))
        span = locate(name, abstract)
        if span is None:
            result.ungrounded.append(
                Ungrounded(field=field, value=name, reason="not found in the abstract")
            )
            return None
        return name, span

    for method in extracted.methods:
        placed = place("methods", method.name)
        if placed:
            name, span = placed
            text = abstract[span.start : span.end]
            result.methods.append(Method(name=name, text=text, span=span, role=method.role))
    for field in ("tasks", "datasets", "metrics"):
        items: list[Item] = getattr(result, field)
        for value in getattr(extracted, field):
            placed = place(field, value)
            if placed:
                name, span = placed
                items.append(Item(name=name, text=abstract[span.start : span.end], span=span))
    for gain in extracted.gains:
        evidence = locate(gain.text, abstract)
        if evidence is None:
            reason = "text not found in the abstract"
        elif not value_in_text(gain.value, abstract[evidence.start : evidence.end]):
            reason = f"value {gain.value:g} does not occur in its text"
        else:
            result.gains.append(Gain(**gain.model_dump(), span=evidence))
            continue
        result.ungrounded.append(Ungrounded(field="gains", value=gain.text, reason=reason))
    return result


def match_kind_counts(extraction: Extraction) -> dict[MatchKind, int]:
    """How many kept items were matched exactly, after normalization, or fuzzily."""
    counts: dict[MatchKind, int] = {"exact": 0, "normalized": 0, "fuzzy": 0}
    for items in (extraction.methods, extraction.tasks, extraction.datasets, extraction.metrics):
        for item in items:
            counts[item.span.match] += 1
    for gain in extraction.gains:
        counts[gain.span.match] += 1
    return counts
