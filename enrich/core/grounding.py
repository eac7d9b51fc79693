"""Ground an extraction in its abstract, so every kept item points at its evidence.

Names are located with `core/locate.py` (exact, folded, bounded fuzzy; token boundaries and
numbers respected); gains by their number (`core/claims.py`). What the abstract does not
support is listed under `ungrounded`, never silently kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from enrich.core.claims import ground_gains
from enrich.core.convention import refield, rejection
from enrich.core.locate import (
    FUZZY_THRESHOLD,
    Passage,
    find_whole,
    locate,
    on_token_boundaries,
)
from enrich.core.numbers import numbers_in, same_number, value_in_text
from enrich.core.schema import (
    NAME_FIELDS,
    Extraction,
    Item,
    MatchKind,
    Method,
    MethodRole,
    ModelExtraction,
    ModelGain,
    Span,
    Ungrounded,
)

__all__ = [
    "FUZZY_THRESHOLD", "Passage", "RuleItem", "ground", "locate", "match_kind_counts", "numbers_in",
    "on_token_boundaries", "value_in_text",
]  # fmt: skip


class RuleItem(NamedTuple):
    """An item a deterministic rule found: its field, its span, and (methods) its role."""

    field: str
    start: int
    end: int
    role: MethodRole | None = None


_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def _key(text: str) -> str:
    """What makes two names of one field the same item (cheap: made for every item)."""
    return " ".join(text.translate(_DASHES).casefold().split())


def ground(
    extracted: ModelExtraction,
    abstract: str,
    rule_gains: Sequence[ModelGain] = (),
    rule_items: Sequence[RuleItem] = (),
) -> Extraction:
    """Attach spans to every item; move what the abstract does not support to `ungrounded`
    and what names nothing in particular to `rejected`.

    `rule_gains` (found by the gain rules) are added, marked `source="rules"`, where no kept
    gain of the model already states the same value. `rule_items` (spans that rules found:
    names the abstract coins, terms it defines, measures of the metric lexicon) are added, marked
    `source="rules"`, where they overlap no kept item and repeat no kept name or part of one
    ("SIDA" beside a kept "Surrogate ... Adaptation (SIDA)").
    """
    result = Extraction(summary=extracted.summary.strip())
    passage = Passage(abstract)
    seen: set[tuple[str, str]] = set()

    def place(field: str, name: str) -> tuple[str, str, Span] | None:
        """(the field it belongs in, the name, its span), or None when not kept."""
        name = name.strip()
        field = refield(field, name)
        if not name or (field, _key(name)) in seen:
            return None
        seen.add((field, _key(name)))
        why = rejection(field, name)
        if why is not None:
            result.rejected.append(Ungrounded(field=field, value=name, reason=why))
            return None
        span = locate(name, passage)
        if span is None:
            result.ungrounded.append(
                Ungrounded(field=field, value=name, reason="not found in the abstract")
            )
            return None
        return field, name, span

    for method in extracted.methods:
        placed = place("methods", method.name)
        if placed:
            _, name, span = placed
            text = abstract[span.start : span.end]
            result.methods.append(Method(name=name, text=text, span=span, role=method.role))
    for field in NAME_FIELDS:
        for value in getattr(extracted, field):
            placed = place(field, value)
            if placed:
                kept_in, name, span = placed
                items: list[Item] = getattr(result, kept_in)
                items.append(Item(name=name, text=abstract[span.start : span.end], span=span))
    if rule_items:
        _add_rule_items(result, abstract, rule_items)
    ground_gains(extracted.gains, passage, result)
    if rule_gains:
        found = Extraction(summary="")
        ground_gains(rule_gains, passage, found)
        for gain in found.gains:
            if not any(same_number(gain.value, kept.value) for kept in result.gains):
                result.gains.append(gain.model_copy(update={"source": "rules"}))
    return result


def _add_rule_items(result: Extraction, abstract: str, found: Sequence[RuleItem]) -> None:
    kept = [
        item
        for items in (result.methods, result.tasks, result.datasets, result.metrics)
        for item in items
    ]
    taken = [(item.span.start, item.span.end) for item in kept]
    names = {_key(item.name) for item in kept}
    for rule in found:
        name = abstract[rule.start : rule.end]
        if (
            any(find_whole(_key(name), kept_name) >= 0 for kept_name in names)
            or any(rule.start < stop and rule.end > begin for begin, stop in taken)
            or rejection(rule.field, name) is not None
        ):
            continue
        names.add(_key(name))
        taken.append((rule.start, rule.end))
        span = Span(start=rule.start, end=rule.end, match="exact")
        if rule.field == "methods":
            role = rule.role or "used"
            result.methods.append(
                Method(name=name, text=name, span=span, role=role, source="rules")
            )
        else:
            items: list[Item] = getattr(result, rule.field)
            items.append(Item(name=name, text=name, span=span, source="rules"))


def match_kind_counts(extraction: Extraction) -> dict[MatchKind, int]:
    """How many kept items were matched exactly, after normalization, fuzzily, or (gains) by
    the clause that states their number."""
    counts: dict[MatchKind, int] = {"exact": 0, "normalized": 0, "fuzzy": 0, "clause": 0}
    for items in (extraction.methods, extraction.tasks, extraction.datasets, extraction.metrics):
        for item in items:
            counts[item.span.match] += 1
    for gain in extraction.gains:
        counts[gain.span.match] += 1
    return counts
