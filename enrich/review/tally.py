"""What summary.md says about a run, counted a page of papers at a time.

summary.md is made of corpus-wide counts (statuses, years, the most frequent names in distinct
papers, the largest gains per metric) and per-profile sections (each member paper's title,
summary and year, its tasks and methods). The counts are kept as counters, with only the few
best gains per metric, and paper details only for papers some profile lists, so memory grows
with the distinct names and the profiles' papers, not with the corpus.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from enrich.core.records import PaperRecord
from enrich.core.registry import EXTRACTED
from enrich.core.tables import GainRow, ItemRow, PaperRow, Tables, record_profiles
from enrich.core.tables import profile_label as tables_profile_label

GAINS_PER_METRIC = 3
_YEAR = re.compile(r"^(\d{4})")


def paper_year(paper: PaperRow) -> int | None:
    """The paper's year, else the year its date starts with ("--05-28" has none)."""
    if paper.year is not None:
        return paper.year
    match = _YEAR.match(paper.date or "")
    return int(match.group(1)) if match else None


def profile_label(profile: Mapping[str, Any], index: int = 0) -> str:
    """A profile's name, else its file's stem, else "profile N"."""
    return tables_profile_label(profile.get("name"), profile.get("path"), f"profile {index + 1}")


def surface(counts: Counter[str]) -> str:
    """The most common spelling; ties by the spelling itself."""
    return min(counts, key=lambda name: (-counts[name], name))


class NameCounts:
    """Names counted in distinct papers, grouped by canonical form, with their spellings."""

    def __init__(self) -> None:
        self.papers: Counter[str] = Counter()
        self.surfaces: dict[str, Counter[str]] = {}

    def add_paper(self, items: Iterable[ItemRow]) -> None:
        """The rows of one paper."""
        seen: set[str] = set()
        for item in items:
            if not item.canonical:
                continue
            if item.canonical not in seen:
                seen.add(item.canonical)
                self.papers[item.canonical] += 1
            self.surfaces.setdefault(item.canonical, Counter())[item.name] += 1

    def ranked(self, limit: int | None = None) -> list[tuple[str, int]]:
        """(spelling, papers), most papers first; ties by canonical form."""
        keys = sorted(self.papers, key=lambda key: (-self.papers[key], key))
        return [(surface(self.surfaces[key]), self.papers[key]) for key in keys[:limit]]


@dataclass
class MetricGains:
    """The gains claimed on one metric: how many, its spellings, and the largest few."""

    count: int = 0
    spellings: Counter[str] = field(default_factory=Counter)
    best: list[tuple[GainRow, str]] = field(default_factory=list)  # (gain, paper title)

    def add(self, gain: GainRow, title: str, key: str) -> None:
        self.count += 1
        self.spellings[gain.metric or key] += 1
        self.best.append((gain, title))
        if len(self.best) > 4 * GAINS_PER_METRIC:
            self._trim()

    def _trim(self) -> None:
        # stable: equal keys keep their order of arrival, as one sort over all gains would
        self.best.sort(key=lambda pair: (-pair[0].value, pair[1], pair[0].position))
        del self.best[GAINS_PER_METRIC:]

    def largest(self) -> list[tuple[GainRow, str]]:
        self._trim()
        return list(self.best)


@dataclass
class Member:
    """A paper some profile lists: what its profile section shows."""

    title: str
    summary: str | None
    year: int | None
    gains: int = 0
    tasks: list[ItemRow] = field(default_factory=list)
    methods: list[ItemRow] = field(default_factory=list)


class Tally:
    """summary.md's figures, added a page of papers at a time (`add`)."""

    def __init__(self, profiles: Sequence[Mapping[str, Any]]) -> None:
        self.profiles = list(profiles)
        self.labels = [profile_label(p, i) for i, p in enumerate(self.profiles)]
        self._known = set(self.labels)
        self.papers = 0
        self.status: Counter[str] = Counter()
        self.backends: set[str] = set()
        self.models: set[str] = set()
        self.grounded_items = 0
        self.gains = 0
        self.years: Counter[int | None] = Counter()
        # per field, its names (a field with roles: its proposed items)
        self.names = {spec.name: NameCounts() for spec in EXTRACTED}
        self.metric_gains: dict[str, MetricGains] = defaultdict(MetricGains)
        # label -> member paper ids, in record order; the members' details
        self._listed: dict[str, dict[str, None]] = defaultdict(dict)
        self.members: dict[str, Member] = {}
        self.loose = 0  # papers no profile lists
        self.loose_gains = 0

    def add(self, tables: Tables, records: Sequence[PaperRecord]) -> None:
        """One page: its records (for profile membership) and the tables built from them."""
        items: dict[str, list[ItemRow]] = defaultdict(list)
        for item in tables.items:
            if item.grounded:
                items[item.paper_id].append(item)
        gains: dict[str, list[GainRow]] = defaultdict(list)
        for gain in tables.gains:
            gains[gain.paper_id].append(gain)
        labels = {r.id: record_profiles(r) for r in records}
        for paper in tables.papers:
            self._add_paper(paper, items[paper.paper_id], gains[paper.paper_id], labels)

    def _add_paper(
        self,
        paper: PaperRow,
        items: list[ItemRow],
        gains: list[GainRow],
        labels: Mapping[str, list[str]],
    ) -> None:
        self.papers += 1
        self.status[paper.status] += 1
        if paper.backend:
            self.backends.add(paper.backend)
        if paper.model:
            self.models.add(paper.model)
        self.grounded_items += len(items)
        self.gains += len(gains)
        year = paper_year(paper)
        self.years[year] += 1
        for spec in EXTRACTED:
            self.names[spec.name].add_paper(
                i
                for i in items
                if i.field == spec.name and (not spec.has_role or i.role == "proposed")
            )
        for gain in gains:
            if gain.metric_canonical:
                self.metric_gains[gain.metric_canonical].add(
                    gain, paper.title, gain.metric_canonical
                )
        listed = [label for label in labels.get(paper.paper_id, []) if label in self._known]
        if not listed:
            self.loose += 1
            self.loose_gains += len(gains)
            return
        for label in listed:
            self._listed[label][paper.paper_id] = None
        self.members[paper.paper_id] = Member(
            paper.title,
            paper.summary,
            year,
            len(gains),
            [i for i in items if i.field == "tasks"],
            [i for i in items if i.field == "methods"],
        )

    def member_ids(self) -> list[list[str]]:
        """For each profile, the ids of the papers listed under it, in record order."""
        return [list(self._listed.get(label, {})) for label in self.labels]
