"""papers.jsonl, typed: one `PaperRecord` per paper, written by a run and read back by the
review outputs, `enrich report` and `enrich show`; the tables are built from these, never
from loose dicts."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from enrich.core.models import Paper
from enrich.core.schema import Extraction

Status = Literal["ok", "failed", "skipped"]


class PaperRecord(Paper):
    """A paper, what extraction made of it, and what produced it. Fields a record written by
    another enrich version has and this one lacks are ignored, so run folders stay readable."""

    model_config = ConfigDict(extra="ignore")

    status: Status
    error: str | None = None
    extraction: Extraction | None = None
    backend: str | None = None
    model: str | None = None
    endpoint: str | None = None
    prompt_hash: str | None = None
    schema_hash: str | None = None
    cached: bool = False
    warnings: list[str] = Field(default_factory=list)
