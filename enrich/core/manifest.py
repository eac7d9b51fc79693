"""run.json: what a run did, typed. Written by every run, read back by `enrich report` and the
review outputs, and returned by the library's `Extractor.summary()`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EndpointTraffic(BaseModel):
    """One endpoint of a run over several: requests sent there, answered there, and lost there
    (its connection failed; each was resent to another endpoint)."""

    url: str
    sent: int = 0
    answered: int = 0
    lost: int = 0


class RunSummary(BaseModel):
    """The figures of one run. Fields a run.json written before a field existed lacks take
    their defaults, so older run folders still load."""

    model_config = ConfigDict(extra="allow")  # newer figures survive an older reader

    run_id: str | None = None
    finished_at: str | None = None
    backend: str | None = None
    model: str | None = None
    endpoint: str | None = None
    prompt_hash: str | None = None
    schema_hash: str | None = None
    papers: int = 0
    extracted: int = 0
    cache_hits: int = 0
    requests: int = 0
    retries: int = 0
    reasks: int = 0
    failures: int = 0
    skipped: int = 0
    ungrounded_items: int = 0
    rejected_items: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    wall_seconds: float = 0.0
    # what the outputs depend on (`enrich/freshness.py`): an unchanged rerun is skipped
    inputs_digest: str | None = None
    # a run over several endpoints: where its requests went (empty with one endpoint)
    endpoints: list[EndpointTraffic] = []
    paced_seconds: float = 0.0  # request-seconds spent waiting for the --rpm/--tpm budgets
