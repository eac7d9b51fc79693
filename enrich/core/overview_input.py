"""What an overview is written from: a compact, bounded listing of a scope's papers.

Each paper is one short block (id P1, P2, ..., year, title, its one-line summary, its proposed
methods first, tasks, datasets and up to two claimed gains), all clipped, so a request's size
is bounded whatever the corpus: at most `MAX_PAPERS` papers and `MAX_INPUT_CHARS` characters.
Which papers, when a scope has more: the most recent first (unknown years last), then those
with the most extracted items, then by id; chosen as the records stream by (`Selection`), so
memory holds `MAX_PAPERS` papers per scope, not the corpus. Only papers with an extraction
count: a failed one has no summary to go on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from enrich.core.overview import (
    MAX_SENTENCES,
    CitedPaper,
    ModelOverview,
    OverviewPrompt,
    OverviewSentence,
    Scope,
    StoredOverview,
    answer_schemas,
    grammar_shape_schema,
    normalize_cite,
)
from enrich.core.prompting import schema_shape
from enrich.core.records import PaperRecord
from enrich.core.requests import StructuredAsk
from enrich.core.schema import Gain

MAX_PAPERS = 30
MAX_INPUT_CHARS = 16_000  # ~4,000 tokens: fits a small local model's context with its answer
TITLE_CHARS, SUMMARY_CHARS, NAME_CHARS = 160, 240, 60
NAMES_PER_FIELD, GAINS_PER_PAPER = 3, 2
CORPUS_LABEL = "corpus"
_YEAR = re.compile(r"^(\d{4})")
_ROLE_ORDER = {"proposed": 0, "used": 1, "baseline": 2}


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _names(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), _clip(value, NAME_CHARS))
    return tuple(seen.values())[:NAMES_PER_FIELD]


def gain_text(gain: Gain) -> str:
    """ "accuracy +2.1% on ImageNet vs ResNet-50": what a listing says of a claimed gain."""
    number = f"{gain.value:+g}" if gain.kind == "delta" else f"{gain.value:g}"
    unit = gain.unit or ""
    value = number + unit if unit in ("%", "x", "\u00d7", "") else f"{number} {unit}"
    parts = [gain.metric, value] if gain.metric else [value]
    if gain.dataset:
        parts.append(f"on {gain.dataset}")
    if gain.baseline:
        parts.append(f"vs {gain.baseline}")
    return _clip(" ".join(parts), NAME_CHARS + 40)


@dataclass(frozen=True)
class OverviewPaper:
    """One paper as an overview's input lists it."""

    paper_id: str
    title: str
    year: int | None
    summary: str
    methods: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    gains: tuple[str, ...] = ()
    items: int = 0  # extracted items and gains: a tie-break between papers of one year

    def rank(self) -> tuple[bool, int, int, str]:
        """Smaller first: known years before unknown, recent first, richer first, by id."""
        return (self.year is None, -(self.year or 0), -self.items, self.paper_id)

    def block(self, ref: str) -> str:
        when = f" ({self.year})" if self.year is not None else ""
        lines = [f"{ref}{when} {self.title}"]
        if self.summary:
            lines.append(f"Summary: {self.summary}")
        facts = [
            f"{label}: {', '.join(values)}."
            for label, values in (("Methods", self.methods), ("Tasks", self.tasks),
                                  ("Datasets", self.datasets), ("Gains", self.gains))
            if values
        ]  # fmt: skip
        if facts:
            lines.append(" ".join(facts))
        return "\n".join(lines)


def overview_paper(record: PaperRecord) -> OverviewPaper | None:
    """`record` as an overview lists it; None when it has no extraction."""
    extraction = record.extraction
    if record.status != "ok" or extraction is None:
        return None
    year = record.year
    if year is None and (match := _YEAR.match(record.date or "")):
        year = int(match.group(1))
    methods = sorted(extraction.methods, key=lambda m: _ROLE_ORDER.get(m.role, 3))
    gains = sorted(extraction.gains, key=lambda g: (g.metric is None, g.dataset is None))
    items = sum(len(getattr(extraction, name)) for name in
                ("methods", "tasks", "datasets", "metrics", "gains"))  # fmt: skip
    return OverviewPaper(
        paper_id=record.id,
        title=_clip(record.title or record.id, TITLE_CHARS),
        year=year,
        summary=_clip(extraction.summary, SUMMARY_CHARS),
        methods=_names(m.name for m in methods),
        tasks=_names(t.name for t in extraction.tasks),
        datasets=_names(d.name for d in extraction.datasets),
        gains=tuple(gain_text(g) for g in gains[:GAINS_PER_PAPER]),
        items=items,
    )


@dataclass
class Selection:
    """The papers of one scope an overview is written from, kept as records stream by: at most
    `cap` (by `OverviewPaper.rank`), and how many there were."""

    cap: int = MAX_PAPERS
    total: int = 0
    _kept: list[OverviewPaper] = field(default_factory=list)

    def add(self, paper: OverviewPaper) -> None:
        self.total += 1
        self._kept.append(paper)
        if len(self._kept) >= 2 * self.cap:
            self._trim()

    def _trim(self) -> None:
        self._kept.sort(key=OverviewPaper.rank)
        del self._kept[self.cap :]

    def papers(self) -> list[OverviewPaper]:
        self._trim()
        return list(self._kept)


@dataclass(frozen=True)
class OverviewInput:
    """What one overview request gives the model: a header and the listed papers (P1...)."""

    scope: Scope
    label: str
    header: str
    papers: tuple[OverviewPaper, ...]
    total: int  # papers with an extraction in the scope

    @property
    def refs(self) -> dict[str, str]:
        """Listed id -> paper id."""
        return {f"P{number}": p.paper_id for number, p in enumerate(self.papers, 1)}

    def allowed_cites(self) -> set[str]:
        """What an answer may cite: the listed ids, or (spelled out) those papers' own ids."""
        return set(self.refs) | {p.paper_id for p in self.papers}

    def text(self) -> str:
        blocks = [p.block(ref) for ref, p in zip(self.refs, self.papers, strict=True)]
        return "\n\n".join([self.header, *blocks])

    def input_hash(self) -> str:
        return hashlib.sha256(self.text().encode("utf-8")).hexdigest()[:16]


def build_input(
    scope: Scope,
    label: str,
    selection: Selection,
    *,
    category: str | None = None,
    profiles: int = 0,
    max_chars: int = MAX_INPUT_CHARS,
) -> OverviewInput:
    """The input for one scope: the selection's papers in rank order, as many as fit in
    `max_chars`, under a header saying whose papers they are and how many are listed."""
    chosen = selection.papers()
    papers: list[OverviewPaper] = []
    size = 400  # the header's share
    for paper in chosen:
        size += len(paper.block(f"P{len(papers) + 1}")) + 2
        if papers and size > max_chars:
            break
        papers.append(paper)
    total = selection.total
    if scope == "corpus":
        whose = "The whole corpus: papers from " + (
            f"{profiles} researcher profiles and other listings." if profiles else "its listings."
        )
    else:
        whose = f"Researcher profile: {_clip(label, 120)}" + (
            f" (category {_clip(category, 40)})." if category else "."
        )
    listed = (
        f"{total} papers, all listed." if len(papers) == total
        else f"{total} papers; the {len(papers)} most recent are listed."
    )  # fmt: skip
    return OverviewInput(scope, label, f"{whose}\n{listed}", tuple(papers), total)


def overview_ask(prompt: OverviewPrompt, source: OverviewInput) -> StructuredAsk:
    """The request for one overview: the prompt's system text and instructions, its examples
    as earlier turns, then this input; citations limited to its listed ids by the schema."""
    system = f"{prompt.system.strip()}\n\n{prompt.instructions.strip()}"
    messages: list[dict[str, str]] = [{"role": "system", "content": system}]
    for example in prompt.examples:
        messages.append({"role": "user", "content": example.input})
        messages.append({"role": "assistant", "content": example.output.model_dump_json()})
    messages.append({"role": "user", "content": source.text()})
    strict, grammar = answer_schemas(list(source.refs))
    shape = schema_shape(grammar_shape_schema())
    return StructuredAsk("overview", tuple(messages), strict, grammar, shape)


def stored_overview(source: OverviewInput, answer: ModelOverview) -> StoredOverview:
    """An accepted answer as kept: its first `MAX_SENTENCES` sentences, each listed id replaced
    by the paper's own id, and the cited papers' titles. A citation that names no listed paper
    is kept as written, so the check on the kept overview still sees it."""
    refs = source.refs
    by_id = {p.paper_id: p for p in source.papers}
    sentences = []
    for sentence in answer.sentences[:MAX_SENTENCES]:
        cites = [refs.get(normalize_cite(cite), cite.strip()) for cite in sentence.cites]
        sentences.append(OverviewSentence(text=" ".join(sentence.text.split()),
                                          cites=list(dict.fromkeys(cites))))  # fmt: skip
    cited = [
        CitedPaper(id=pid, title=by_id[pid].title, year=by_id[pid].year)
        for pid in dict.fromkeys(c for s in sentences for c in s.cites)
        if pid in by_id
    ]
    return StoredOverview(
        scope=source.scope, label=source.label, papers=source.total, shown=len(source.papers),
        sentences=sentences, cited=cited, input_hash=source.input_hash(),
    )  # fmt: skip
