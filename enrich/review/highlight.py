"""An abstract as HTML with each grounded item marked in place, for report.html's cards.

Items' spans nest into a tree (a dataset inside a task's phrase stays visible); one that
crosses another's end, or falls outside the abstract, is not placed, and the card lists it
apart, so the text is never cut or duplicated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from enrich.core.tables import ITEM_FIELDS, ItemRow


def escaped(value: object) -> str:
    """Text (None as nothing) safe inside HTML content and quoted attributes."""
    return escape("" if value is None else str(value), quote=True)


@dataclass
class _Span:
    start: int
    end: int
    item: ItemRow
    children: list[_Span] = field(default_factory=list)


def place_items(abstract: str, items: Iterable[ItemRow]) -> tuple[list[_Span], list[ItemRow]]:
    """Nest the grounded items' spans into a tree; return (top-level spans, items not placed).

    A span inside another nests within it; one that crosses an earlier span's end, or whose
    span is outside the abstract, is not placed (so the text is never cut or duplicated).
    """
    order = {name: i for i, name in enumerate(ITEM_FIELDS)}
    placed: list[_Span] = []
    dropped: list[ItemRow] = []
    candidates: list[ItemRow] = []
    for item in items:
        s, e = item.start, item.end
        if item.grounded and s is not None and e is not None and 0 <= s < e <= len(abstract):
            candidates.append(item)
        elif item.grounded:
            dropped.append(item)
    candidates.sort(key=lambda i: (i.start, -(i.end or 0), order.get(i.field, 9), i.position))
    stack: list[_Span] = []
    for item in candidates:
        span = _Span(item.start or 0, item.end or 0, item)
        while stack and stack[-1].end <= span.start:
            stack.pop()
        if stack and span.end > stack[-1].end:
            dropped.append(item)  # crosses the enclosing span's end
            continue
        (stack[-1].children if stack else placed).append(span)
        stack.append(span)
    return placed, dropped


def _text(value: str) -> str:
    """Abstract text as HTML whose DOM text is `value` exactly: the HTML parser would turn a
    raw CR into LF, which shifts the offsets the review panel reads from a selection."""
    return escaped(value).replace("\r", "&#13;")


def _render_spans(abstract: str, spans: list[_Span], start: int, end: int) -> str:
    out: list[str] = []
    pos = start
    for span in spans:
        out.append(_text(abstract[pos : span.start]))
        item = span.item
        tip = f"{item.field[:-1]}: {item.name}" + (f" ({item.role})" if item.role else "")
        role = f' data-role="{escaped(item.role)}"' if item.role else ""
        out.append(
            f'<mark class="hl {escaped(item.field)}" data-field="{escaped(item.field)}" '
            f'data-pos="{item.position}" data-canonical="{escaped(item.canonical)}"{role} '
            f'title="{escaped(tip)}">'
            + _render_spans(abstract, span.children, span.start, span.end)
            + "</mark>"
        )
        pos = span.end
    out.append(_text(abstract[pos:end]))
    return "".join(out)


def highlight(abstract: str, items: Iterable[ItemRow]) -> tuple[str, list[ItemRow]]:
    """The abstract as escaped HTML with <mark>s in place; and the grounded items not placed."""
    spans, dropped = place_items(abstract, items)
    return _render_spans(abstract, spans, 0, len(abstract)), dropped
