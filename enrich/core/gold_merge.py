"""Adding reviewed records to a gold file: what a reviewer exported from report.html becomes
labels the next eval scores.

Existing lines are kept byte for byte; a replaced record takes its old line's place, new ones
go at the end. Ids already labeled are refused unless replacing is asked for, and then nothing
is added at all: half an addition would leave the reviewer guessing which half.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from enrich.core.gold import GOLD_FIELDS, parse_gold


@dataclass(frozen=True)
class GoldAddition:
    """What adding a reviewed file to a gold file does (or would do, when `refused`)."""

    added: tuple[str, ...]
    replaced: tuple[str, ...]
    refused: tuple[str, ...]  # already labeled, not replaced: nothing is written
    annotated: dict[str, int]  # field -> records of the addition that annotate it
    text: str  # the gold file after the addition ("" when refused)

    @property
    def written(self) -> bool:
        return not self.refused


def merge_gold(existing: str, reviewed: str, *, replace: bool = False) -> GoldAddition:
    """`existing` (a gold file's text, possibly empty) with the records of `reviewed` added.
    Both must parse (`parse_gold` raises `GoldFormatError` naming the line)."""
    old = parse_gold(existing)
    new = parse_gold(reviewed)
    new_lines = [line for line in reviewed.splitlines() if line.strip()]
    labeled = {record.id for record in old}
    clashing = tuple(record.id for record in new if record.id in labeled)
    annotated = Counter(
        field for record in new for field in GOLD_FIELDS if getattr(record.gold, field) is not None
    )
    if clashing and not replace:
        return GoldAddition((), (), clashing, dict(annotated), "")
    # each reviewed line as exported: its extra keys (the review's provenance) are kept
    incoming = {record.id: raw.strip() for record, raw in zip(new, new_lines, strict=True)}
    lines: list[str] = []
    for raw in (line for line in existing.splitlines() if line.strip()):
        record_id = parse_gold(raw)[0].id
        lines.append(incoming.pop(record_id) if record_id in incoming else raw)
    added = tuple(incoming)
    lines.extend(incoming.values())
    return GoldAddition(added, clashing, (), dict(annotated), "".join(f"{ln}\n" for ln in lines))
