"""Reviewing in report.html: the bar above the filters, and what each paper's review panel
needs in the page's JSON data block.

A reviewer accepts, rejects, moves, re-spans and adds items in the browser and exports gold
records (GOLD_FORMAT) from localStorage, possibly from another page of the report. So each paper
carries everything an export needs: its id, title, exact abstract, its grounded items and gains
with their spans, and the numbers its abstract states (to prefill and check the gain form).
Spans are in UTF-16 code units, as JavaScript strings and DOM ranges count them; Python's are
code points, which differ past the Basic Multilingual Plane (math letters, emoji).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from enrich.core.locate import Passage
from enrich.core.tables import GainRow, ItemRow, PaperRow
from enrich.offline.stated_numbers import groups, mentions

# What an export's `review` object says produced the items it corrects (from run.json).
RUN_KEYS = ("run_id", "model", "prompt_hash", "backend")


class _Utf16:
    """Code-point offsets of one text as UTF-16 offsets (identity for BMP-only text)."""

    def __init__(self, text: str) -> None:
        self.wide = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    def __call__(self, index: int) -> int:
        return index + sum(1 for i in self.wide if i < index)


def run_info(run: Mapping[str, Any]) -> dict[str, str | None]:
    """The run's identity for the review store's key and the export's `review` object."""
    return {key: (str(run[key]) if run.get(key) is not None else None) for key in RUN_KEYS}


def _numbers(abstract: str, at: _Utf16) -> list[list[Any]]:
    """[value, start, end, unit, from_value, quantity] per number the gold checker reads in the
    abstract (`core.numbers`: a gain's value must be one of its text's). Where the gain rules
    read the same number as a stated quantity ("98.7%", "from 80.1 to 85.3", not the version in
    "SeedEdit 3.0"), `quantity` is 1 and unit and from_value are theirs, so the form's prefill
    prefers it."""
    read = mentions(abstract, 0, len(abstract))
    groups(abstract, read)  # "+11.8 and +10.5 points": both in points
    out: list[list[Any]] = []
    for value, start, end in Passage(abstract).numbers:
        cover = next(
            (m for m in read if m.start <= start and end <= m.end and m.value == abs(value)), None
        )
        unit = cover.unit if cover else None
        origin = cover.from_value if cover else None
        out.append([abs(value), at(start), at(end), unit, origin, int(cover is not None)])
    return out


def _item(item: ItemRow, abstract: str, at: _Utf16) -> dict[str, Any] | None:
    start, end = item.start, item.end
    if not item.grounded or start is None or end is None or not 0 <= start < end <= len(abstract):
        return None  # no span in the abstract: nothing a reviewer could confirm as gold
    entry: dict[str, Any] = {
        "k": f"{item.field}:{item.position}",
        "f": item.field,
        "s": at(start),
        "e": at(end),
        "t": abstract[start:end],  # gold strings are the abstract's own words
    }
    if item.role:
        entry["r"] = item.role
    return entry


def _gain(gain: GainRow, at: _Utf16) -> dict[str, Any]:
    return {
        "k": f"gains:{gain.position}",
        "value": gain.value,
        "unit": gain.unit,
        "kind": gain.kind,
        "metric": gain.metric,
        "baseline": gain.baseline,
        "baseline_value": gain.baseline_value,
        "dataset": gain.dataset,
        "text": gain.text,
        "s": at(gain.start) if gain.start is not None else None,
        "e": at(gain.end) if gain.end is not None else None,
    }


def review_entry(
    paper: PaperRow, items: Sequence[ItemRow], gains: Sequence[GainRow]
) -> dict[str, Any]:
    """One card's review payload (see the module docstring)."""
    at = _Utf16(paper.abstract)
    placed = (_item(item, paper.abstract, at) for item in items)
    return {
        "id": paper.paper_id,
        "title": paper.title,
        "abstract": paper.abstract,
        "items": [entry for entry in placed if entry is not None],
        "gains": [_gain(gain, at) for gain in gains if gain.grounded],
        "nums": _numbers(paper.abstract, at),
    }


# Static: the panel on each card is built by review-ui.js from the data block.
_REVIEW_HELP = (
    "Press <strong>review</strong> on a paper (or select words in its abstract) to open its "
    "panel. Accept (&#10003;) or reject (&#10007;) each item; move one to another field with "
    "its menu; to fix its span, select the right words in the abstract and press "
    "<strong>use selection</strong> on its row. To add a missing item, select its words (or "
    "type them in the panel) and press the field to add it to; <strong>gain&hellip;</strong> "
    "opens a form prefilled from the selection. <strong>confirm</strong> marks a field reviewed "
    "with no change, <strong>confirm paper</strong> all five. A field is annotated once you "
    "decide anything in it or confirm it: <strong>in an annotated field, undecided items count "
    "as accepted</strong>; a field you never touch is left out of the export (not annotated). "
    "Decisions stay in this browser (localStorage, per run and paper) across reloads and every "
    "page of this report; <strong>export reviewed</strong> downloads the reviewed papers as "
    "gold JSONL for <code>enrich eval --gold</code>."
)


def review_bar() -> str:
    """The bar above the filters: export, count, clear, and how reviewing works."""
    return (
        '<section class="review-bar" id="review-bar" aria-label="review">'
        '<button id="rv-export" type="button">export reviewed</button>'
        '<span id="rv-count" class="rv-count" aria-live="polite"></span>'
        '<button id="rv-clear-all" type="button">clear all reviews</button>'
        '<span id="rv-message" class="rv-message" role="status"></span>'
        f"<details><summary>how to review</summary><p>{_REVIEW_HELP}</p></details>"
        '<textarea id="export-jsonl" hidden readonly aria-hidden="true"></textarea>'
        "</section>"
    )
