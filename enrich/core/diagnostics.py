"""Warnings about input, collected rather than raised so that one bad file never stops a run."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Diagnostic(BaseModel):
    """One problem found in one file (and line, when known), with the fix when there is one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
