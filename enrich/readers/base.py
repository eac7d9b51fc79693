"""The one interface every listing format implements.

A reader turns already-decoded text into papers (and profile headers, for profile dumps) plus
warnings. Readers never open files: the ingest layer does the I/O, decoding and sniffing, so
every reader is a pure function of its text and is tested on strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from enrich.core.diagnostics import Diagnostic
from enrich.core.fields import find_urls, normalize_abstract
from enrich.core.identity import arxiv_year, normalize_arxiv_id, normalize_doi, paper_id
from enrich.core.models import Paper, Profile, Source

# Limits that keep one hostile or broken file from exhausting memory or hanging a run.
DEFAULT_MAX_ABSTRACT_CHARS = 20_000  # real abstracts stay under ~5,000 characters
DEFAULT_MAX_FILE_BYTES = 100_000_000  # decoded text and parse trees take several times this
DEFAULT_MAX_JSON_DEPTH = 64  # a paper record needs 3 or 4 levels


@dataclass(frozen=True)
class ReadOptions:
    """Options for reading a corpus. `field_map` maps our field name -> their column name.

    The limits are applied with a warning, never silently: longer abstracts are cut at a word
    boundary, bigger files are skipped unread, deeper JSON records are skipped.
    """

    field_map: Mapping[str, str] = field(default_factory=dict)
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH


@dataclass
class ReadResult:
    """What one reader found in one file."""

    papers: list[Paper] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def warn(self, path: str, message: str, line: int | None = None) -> None:
        self.warnings.append(Diagnostic(path=path, line=line, message=message))


class Reader(Protocol):
    """A listing format: its name, the file extensions it owns, a content sniff, and a parser."""

    name: str
    extensions: tuple[str, ...]

    def sniff(self, text: str) -> bool:
        """True when `text` (the start of a file) looks like this format."""
        ...

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        """Parse the whole text of the file at `path` (used only in sources and warnings)."""
        ...


def make_paper(
    *,
    title: str,
    source: Source,
    abstract: str = "",
    authors: list[str] | None = None,
    authors_truncated: bool = False,
    affiliations: list[str] | None = None,
    year: int | None = None,
    date: str | None = None,
    category: str | None = None,
    score: float | None = None,
    has_code: bool | None = None,
    code_urls: list[str] | None = None,
    doi: str | None = None,
    arxiv_id: str | None = None,
    url: str | None = None,
) -> Paper:
    """Build a single-source Paper with normalized identifiers and its stable id.

    `code_urls` lists links the listing states itself; URLs in the abstract are added after them.
    The abstract's whitespace is normalized here, before anything computes spans in it; a
    missing year is taken from a new-style arXiv id, which states the year of submission.
    """
    title = " ".join(title.split())
    abstract = normalize_abstract(abstract)
    clean_doi = normalize_doi(doi)
    clean_arxiv = normalize_arxiv_id(arxiv_id)
    if year is None:
        year = arxiv_year(clean_arxiv)
    return Paper(
        id=paper_id(title=title, doi=clean_doi, arxiv_id=clean_arxiv, abstract=abstract),
        title=title,
        abstract=abstract,
        authors=[a for a in (authors or []) if a],
        authors_truncated=authors_truncated,
        affiliations=affiliations or [],
        year=year,
        date=date,
        category=category,
        score=score,
        has_code=has_code,
        code_urls=list(dict.fromkeys([*(code_urls or []), *find_urls(abstract)])),
        doi=clean_doi,
        arxiv_id=clean_arxiv,
        url=url or None,
        sources=[source],
    )
