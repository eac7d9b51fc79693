"""The files a run leaves in its output folder: papers.jsonl (one record per paper), profiles.json
(the researcher-profile headers the corpus carried) and run.json."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from enrich.core.manifest import RunSummary
from enrich.core.models import Profile
from enrich.core.records import PaperRecord
from enrich.core.runids import new_run_id
from enrich.export import atomic_file, atomic_write_text
from enrich.pipeline import PaperOutcome, RunStats
from enrich.providers import cost_usd
from enrich.review import PAPERS_FILE, PROFILES_FILE, RUN_FILE, RunFiles


def paper_record(outcome: PaperOutcome, provenance: Mapping[str, object]) -> PaperRecord:
    """Paper fields, the grounded extraction, status, and what produced it."""
    return PaperRecord.model_validate(
        {
            **dict(outcome.paper),  # the fields as they are: nothing validated twice
            "status": outcome.status,
            "error": outcome.error,
            "extraction": outcome.extraction,
            **provenance,
            "cached": outcome.cached,
            "warnings": outcome.warnings,
        }
    )


def record_line(record: PaperRecord) -> str:
    """One papers.jsonl line."""
    return record.model_dump_json() + "\n"


def run_summary(
    stats: RunStats,
    provenance: Mapping[str, object],
    *,
    endpoint: str,
    model: str,
    batch: bool = False,
) -> RunSummary:
    """The figures of a run, for run.json and `--json` (`batch`: priced as the Batch API)."""
    usage = stats.usage
    now = datetime.now(UTC)
    figures = {
        "run_id": new_run_id(now),  # unique even for runs finishing in the same second
        "finished_at": now.isoformat(timespec="seconds"),
        **provenance,
        "papers": stats.papers,
        "extracted": stats.extracted,
        "cache_hits": stats.cache_hits,
        "requests": stats.requests,
        "retries": stats.retries,
        "reasks": stats.reasks,
        "failures": stats.failures,
        "skipped": stats.skipped,
        "ungrounded_items": stats.ungrounded,
        "rejected_items": stats.rejected,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost_usd": cost_usd(
            endpoint, model, usage.prompt_tokens, usage.completion_tokens, batch=batch
        ),
        "wall_seconds": round(stats.wall_seconds, 3),
    }
    return RunSummary.model_validate(figures)


def write_outputs(
    folder: Path,
    outcomes: Iterable[PaperOutcome] | Path,
    provenance: Mapping[str, object],
    summary: RunSummary | Callable[[], RunSummary],
    profiles: Sequence[Profile] = (),
) -> RunFiles:
    """Write papers.jsonl (each outcome's record as it comes, or a file of records already
    written, copied), profiles.json, then run.json (`summary`, or what it returns once the
    outcomes are written), each atomically; return the run's files, for the review outputs to
    read a page at a time."""
    papers = folder / PAPERS_FILE
    if isinstance(outcomes, Path):
        with atomic_file(papers) as sink, outcomes.open(encoding="utf-8") as source:
            shutil.copyfileobj(source, sink)
    else:
        with atomic_file(papers) as sink:
            for outcome in outcomes:
                sink.write(record_line(paper_record(outcome, provenance)))
    headers = [p.model_dump(mode="json") for p in profiles]
    atomic_write_text(
        folder / PROFILES_FILE, json.dumps(headers, indent=2, ensure_ascii=False) + "\n"
    )
    # a callable is asked only now, once a stream of outcomes has been written and counted
    figures = summary() if callable(summary) else summary
    run = figures.model_dump(mode="json")
    atomic_write_text(folder / RUN_FILE, json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    return RunFiles(folder, papers, headers, run)
