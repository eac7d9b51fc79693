"""The extracted tables: a run's paper records flattened into long rows, one per item.

Everything the review outputs show (CSV files, SQLite, report.html, summary.md, `enrich show`)
reads these rows, so they agree with each other. Each named item carries its surface string and a
canonical form for grouping ("ImageNet-1k" and "ImageNet 1K" -> "imagenet 1k"); each item keeps
its character span in the abstract, or is marked ungrounded. Ungrounded items are in `items` only
so report.html can list them apart; the tables, counts and summaries read `field_items` and
`grounded_items`, which leave them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from enrich.core.records import PaperRecord
from enrich.core.schema import FIELDS, Extraction
from enrich.core.textmatch import normalize

ITEM_FIELDS = FIELDS  # the item tables, one per extracted field


def canonical(name: str) -> str:
    """The grouping form of a name: gold-format normalization (case, Unicode, hyphens,
    punctuation, articles), so spelling variants of one name fall together."""
    return normalize(name) or name.strip().lower()


@dataclass(frozen=True)
class PaperRow:
    """One paper: bibliographic fields, the run's verdict, the one-line summary."""

    paper_id: str
    title: str
    authors: str  # "; "-joined
    year: int | None
    date: str | None
    category: str | None
    # labels (`profile_label`) of the profiles listing the paper: "; "-joined in papers.csv,
    # a JSON array in enrich.sqlite
    profiles: tuple[str, ...]
    has_code: bool | None
    code_url: str | None
    url: str | None
    doi: str | None
    arxiv_id: str | None
    status: str
    error: str | None
    backend: str | None
    model: str | None
    summary: str | None
    abstract: str


@dataclass(frozen=True)
class ItemRow:
    """One extracted method, task, dataset or metric of a paper."""

    paper_id: str
    field: str  # methods | tasks | datasets | metrics
    position: int  # order within the paper's field
    name: str
    canonical: str
    text: str  # the abstract's own words ("" when ungrounded)
    start: int | None
    end: int | None
    grounded: bool
    role: str | None = None  # methods only: proposed | baseline | used
    source: str | None = None  # model | rules: who found it (None: not recorded, ungrounded)


@dataclass(frozen=True)
class GainRow:
    """One claimed quantitative result of a paper."""

    paper_id: str
    position: int
    metric: str | None
    metric_canonical: str | None
    value: float
    unit: str | None
    kind: str
    baseline: str | None
    baseline_value: float | None
    dataset: str | None
    dataset_canonical: str | None
    text: str
    start: int | None
    end: int | None
    grounded: bool
    source: str | None = None  # model | rules: who found it


@dataclass
class Tables:
    """All rows of one run."""

    papers: list[PaperRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    gains: list[GainRow] = field(default_factory=list)

    def field_items(self, name: str) -> list[ItemRow]:
        """The grounded rows of one field: what tables, counts and summaries are made of."""
        return [row for row in self.items if row.field == name and row.grounded]

    def grounded_items(self) -> list[ItemRow]:
        """Every grounded row, all fields."""
        return [row for row in self.items if row.grounded]


def profile_label(name: object, path: object, fallback: str = "(unknown profile)") -> str:
    """A profile's display name: its researcher's name, else its dump file's stem (dumps of the
    glued layout carry no name), else `fallback`."""
    if isinstance(name, str) and name.strip():
        return name.strip()
    return PurePath(str(path)).stem if path else fallback


def _joined(values: Iterable[object]) -> str:
    return "; ".join(str(v) for v in values if v)


def _opt_canonical(name: str | None) -> str | None:
    return canonical(name) if name and name.strip() else None


def record_profiles(record: PaperRecord) -> list[str]:
    """The labels of the researcher profiles listing a paper: its sources read from a profile
    dump, by the researcher's name, else the dump's file stem. The one rule for profile
    membership: the tables, summary.md and `enrich show` all read it."""
    return list(
        dict.fromkeys(
            profile_label(s.profile, s.path) for s in record.sources if s.format == "profile"
        )
    )


def paper_row(record: PaperRecord) -> PaperRow:
    extraction = record.extraction
    return PaperRow(
        paper_id=record.id,
        title=record.title,
        authors=_joined(record.authors),
        year=record.year,
        date=record.date,
        category=record.category,
        profiles=tuple(record_profiles(record)),
        has_code=record.has_code,
        code_url=record.code_urls[0] if record.code_urls else None,
        url=record.url,
        doi=record.doi,
        arxiv_id=record.arxiv_id,
        status=record.status,
        error=record.error,
        backend=record.backend,
        model=record.model,
        summary=(extraction.summary or None) if extraction else None,
        abstract=record.abstract,
    )


def _item_rows(paper_id: str, extraction: Extraction) -> list[ItemRow]:
    rows: list[ItemRow] = []
    for name in ITEM_FIELDS:
        position = 0
        for item in getattr(extraction, name):
            rows.append(
                ItemRow(
                    paper_id=paper_id,
                    field=name,
                    position=position,
                    name=item.name,
                    canonical=canonical(item.name),
                    text=item.text or item.name,
                    start=item.span.start,
                    end=item.span.end,
                    grounded=True,
                    role=getattr(item, "role", None),
                    source=item.source,
                )
            )
            position += 1
        for missing in extraction.ungrounded:
            if missing.field != name:
                continue
            value = missing.value
            rows.append(
                ItemRow(paper_id, name, position, value, canonical(value), "", None, None, False)
            )
            position += 1
    return rows


def _gain_rows(paper_id: str, extraction: Extraction) -> list[GainRow]:
    return [
        GainRow(
            paper_id=paper_id,
            position=position,
            metric=gain.metric,
            metric_canonical=_opt_canonical(gain.metric),
            value=gain.value,
            unit=gain.unit,
            kind=gain.kind,
            baseline=gain.baseline,
            baseline_value=gain.baseline_value,
            dataset=gain.dataset,
            dataset_canonical=_opt_canonical(gain.dataset),
            text=gain.text,
            start=gain.span.start,
            end=gain.span.end,
            grounded=True,
            source=gain.source,
        )
        for position, gain in enumerate(extraction.gains)
    ]


def build_tables(records: Iterable[PaperRecord]) -> Tables:
    """Rows for every paper record of a run (papers.jsonl, read as `PaperRecord`s)."""
    tables = Tables()
    for record in records:
        row = paper_row(record)
        tables.papers.append(row)
        if record.extraction is not None:
            tables.items.extend(_item_rows(row.paper_id, record.extraction))
            tables.gains.extend(_gain_rows(row.paper_id, record.extraction))
    return tables
