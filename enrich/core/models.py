"""Data models shared by every reader and later stage.

A `Paper` is what one listing says about one paper; after de-duplication the same model carries
the merged record with every `Source` it came from.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Source(BaseModel):
    """Where an entry was read: file, 1-based line (when the format has lines), profile name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    line: int | None = None
    format: str
    profile: str | None = None


class Profile(BaseModel):
    """The header of a researcher profile dump. Any figure the dump omits is None."""

    model_config = ConfigDict(extra="forbid")

    path: str
    name: str | None = None
    category: str | None = None
    h_index: int | None = None
    papers: int | None = None
    citations: int | None = None
    novelty: float | None = Field(default=None, description="percent")
    score: float | None = None
    entries: int = 0


class Paper(BaseModel):
    """One paper. `id` is stable: DOI, else arXiv id, else a hash of the normalized title."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    abstract: str = ""
    authors: list[str] = Field(default_factory=list)
    authors_truncated: bool = False
    affiliations: list[str] = Field(default_factory=list)
    year: int | None = None
    date: str | None = Field(
        default=None, description="ISO 8601: YYYY-MM-DD, YYYY-MM, YYYY, or --MM-DD without a year"
    )
    category: str | None = None
    score: float | None = None
    has_code: bool | None = None
    code_urls: list[str] = Field(default_factory=list)
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    sources: list[Source] = Field(default_factory=list)
