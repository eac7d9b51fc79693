"""Merge entries that describe the same paper into one record listing every source.

Entries are linked when they share a DOI, an arXiv id or a normalized title; a title link is
refused when both sides carry different DOIs or different arXiv ids (two papers can share a
title, not an identifier: arXiv holds distinct papers with the very same title).
The merged record keeps the most complete value of every field; output order is the order in
which each paper was first seen, so runs are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from enrich.core.identity import paper_id, title_key
from enrich.core.models import Paper


class _Groups:
    """Union-find over entry indexes, tracking the DOIs and arXiv ids each group holds."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.parent = list(range(len(papers)))
        self.dois: list[set[str]] = [{p.doi} if p.doi else set() for p in papers]
        self.arxiv: list[set[str]] = [{p.arxiv_id} if p.arxiv_id else set() for p in papers]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, *, strong: bool) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if not strong and any(ids[ra] and ids[rb] and ids[ra] != ids[rb] for ids in self.kinds):
            return
        low, high = min(ra, rb), max(ra, rb)
        self.parent[high] = low
        for ids in self.kinds:
            ids[low] |= ids[high]

    @property
    def kinds(self) -> tuple[list[set[str]], list[set[str]]]:
        return self.dois, self.arxiv


def deduplicate(papers: Sequence[Paper]) -> list[Paper]:
    """One record per distinct paper, in first-seen order."""
    groups = _Groups(papers)
    first_with: dict[str, int] = {}
    for index, paper in enumerate(papers):
        keys: list[tuple[str, bool]] = []
        if paper.doi:
            keys.append((f"doi:{paper.doi}", True))
        if paper.arxiv_id:
            keys.append((f"arxiv:{paper.arxiv_id}", True))
        tkey = title_key(paper.title)
        if tkey:
            keys.append((tkey, False))
        for key, strong in keys:
            if key in first_with:
                groups.union(first_with[key], index, strong=strong)
            else:
                first_with[key] = index
    members: dict[int, list[Paper]] = {}
    for index, paper in enumerate(papers):
        members.setdefault(groups.find(index), []).append(paper)
    return [merge(group) for _, group in sorted(members.items())]


def _longest(values: Iterable[str | None]) -> str | None:
    best: str | None = None
    for value in values:
        if value and (best is None or len(value.strip()) > len(best.strip())):
            best = value
    return best


def _first(values: Iterable[float | int | None]) -> float | int | None:
    return next((v for v in values if v is not None), None)


def _union(lists: Iterable[list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return list(seen)


def merge(group: Sequence[Paper]) -> Paper:
    """Combine entries of one paper, keeping the most complete value of each field."""
    if len(group) == 1:
        return group[0]
    # Full author lists beat truncated ones; among equals, the longer list wins.
    authored = max(group, key=lambda p: (not p.authors_truncated, len(p.authors)))
    dated = max(group, key=lambda p: (p.year is not None, len(p.date or "")))
    title = _longest(p.title for p in group) or group[0].title
    doi = next((p.doi for p in group if p.doi), None)
    arxiv_id = next((p.arxiv_id for p in group if p.arxiv_id), None)
    abstract = _longest(p.abstract for p in group) or ""
    codes = [p.has_code for p in group if p.has_code is not None]
    year = dated.year
    score = _first(p.score for p in group)
    return Paper(
        id=paper_id(title=title, doi=doi, arxiv_id=arxiv_id, abstract=abstract),
        title=title,
        abstract=abstract,
        authors=list(authored.authors),
        authors_truncated=authored.authors_truncated,
        affiliations=_union(p.affiliations for p in group),
        year=year,
        date=dated.date,
        category=next((p.category for p in group if p.category), None),
        score=None if score is None else float(score),
        has_code=any(codes) if codes else None,
        code_urls=_union(p.code_urls for p in group),
        doi=doi,
        arxiv_id=arxiv_id,
        url=_longest(p.url for p in group),
        sources=[s for p in group for s in p.sources],
    )
