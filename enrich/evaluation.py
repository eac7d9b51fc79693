"""`enrich eval` without the terminal: read gold and prediction files, predict through the normal
engine (so the cache applies), score, and keep every run on disk for later comparison."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from enrich.backends.base import Backend
from enrich.cache import ResultCache
from enrich.core.evalrun import EngineFigures, EvalRun, EvalSource
from enrich.core.gold import GoldFormatError, GoldRecord, Labels, labels_from_record, parse_gold
from enrich.core.gold import parse_predictions as _parse_predictions
from enrich.core.models import Paper
from enrich.core.prompting import PromptSet
from enrich.core.runids import new_run_id
from enrich.core.schema import GainPolicy, ItemPolicy
from enrich.core.scoring import record_details, score_all, summarize
from enrich.errors import EnrichError, UsageError
from enrich.export import atomic_write_text
from enrich.pipeline import Progress, RunStats, run_extraction

DEFAULT_GOLD = Path("eval/gold.jsonl")
DEFAULT_RUNS_DIR = Path("eval/runs")


class EvalDataError(EnrichError):
    """A gold or predictions file that cannot be scored."""

    exit_code = 2


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", "pass an existing file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalDataError(
            f"{path}: cannot read ({exc})", "pass a UTF-8 JSON Lines file"
        ) from None


@dataclass(frozen=True)
class GoldSet:
    records: list[GoldRecord]
    files: list[str]
    hash: str  # content hash of the gold files, in a saved run


def load_gold(paths: Sequence[Path]) -> GoldSet:
    """Records of every gold file, in order; ids must be unique across files."""
    records: list[GoldRecord] = []
    digest = hashlib.sha256()
    owner: dict[str, Path] = {}
    for path in paths:
        text = _read(path)
        digest.update(text.encode("utf-8"))
        try:
            parsed = parse_gold(text)
        except GoldFormatError as err:
            raise EvalDataError(
                f"{path}: {err.problem}", f"see `enrich eval --check-gold {path}`"
            ) from None
        for record in parsed:
            if record.id in owner:
                raise EvalDataError(
                    f"{path}: id {record.id!r} is also in {owner[record.id]}",
                    "give every record a unique id",
                )
            owner[record.id] = path
        records.extend(parsed)
    if not records:
        raise EvalDataError(f"{', '.join(map(str, paths))}: no records", "pass a gold file")
    return GoldSet(records, [str(p) for p in paths], digest.hexdigest()[:16])


def load_predictions(path: Path) -> dict[str, Labels]:
    try:
        return _parse_predictions(_read(path))
    except GoldFormatError as err:
        raise EvalDataError(
            f"{path}: {err.problem}", "one JSON object per line, each with the gold id"
        ) from None


@dataclass
class EnginePredictions:
    labels: dict[str, Labels]
    failures: dict[str, str]
    stats: RunStats
    kept: int = 0  # grounded items over all records (the ungrounded are in `stats`)

    def engine_figures(self) -> EngineFigures:
        """What the run cost and how much it kept, for the saved eval run."""
        stats = self.stats
        fresh = stats.extracted + stats.failures - stats.cache_hits
        extracted = self.kept + stats.ungrounded + stats.rejected  # everything the backend named
        return EngineFigures(
            failures=self.failures,
            requests=stats.requests,
            cache_hits=stats.cache_hits,
            retries=stats.retries,
            reasks=stats.reasks,
            items_kept=self.kept,
            items_ungrounded=stats.ungrounded,
            items_rejected=stats.rejected,
            ungrounded_share=round(stats.ungrounded / extracted, 4) if extracted else None,
            prompt_tokens=stats.usage.prompt_tokens,
            completion_tokens=stats.usage.completion_tokens,
            wall_seconds=round(stats.wall_seconds, 2),
            seconds_per_abstract=round(stats.wall_seconds / fresh, 4) if fresh else None,
        )


def predict(
    records: Sequence[GoldRecord],
    backend: Backend,
    prompt: PromptSet,
    cache: ResultCache | None,
    progress: Progress | None = None,
    *,
    gains: GainPolicy = "model",
    items: ItemPolicy = "model",
) -> EnginePredictions:
    """Extract every gold abstract through the pipeline; grounded items are the predictions."""
    papers = [Paper(id=r.id, title=r.title or "", abstract=r.abstract) for r in records]
    outcomes, stats = run_extraction(papers, backend, prompt, cache, progress, gains, items)
    labels: dict[str, Labels] = {}
    failures: dict[str, str] = {}
    kept = 0
    for outcome in outcomes:
        if outcome.extraction is not None:
            found = outcome.extraction
            kept += sum(len(items) for items in (found.methods, found.tasks, found.datasets))
            kept += len(found.metrics) + len(found.gains)
            dumped = found.model_dump(mode="json")
            labels[outcome.paper.id] = labels_from_record({"extraction": dumped})
        else:
            failures[outcome.paper.id] = outcome.error or outcome.status
    return EnginePredictions(labels, failures, stats, kept)


def evaluate(
    gold: GoldSet,
    predictions: Mapping[str, Labels],
    source: EvalSource,
    engine: EngineFigures | None = None,
    *,
    samples: int = 1000,
    seed: int = 13,
) -> EvalRun:
    """A complete run record: figures, per-record details and what produced the predictions
    (`engine` is None when they were read from a file rather than extracted)."""
    scores = score_all(gold.records, predictions)
    figures = summarize(scores, samples=samples, seed=seed)
    now = datetime.now(UTC)
    return EvalRun(
        run_id=new_run_id(now),
        date=now.isoformat(timespec="milliseconds"),
        source=source,
        engine=engine,
        gold_files=tuple(gold.files),
        gold_hash=gold.hash,
        overall=figures.overall,
        fields=figures.fields,
        gains=figures.gains,
        n_records=figures.n_records,
        bootstrap=figures.bootstrap,
        missing_predictions=sum(1 for r in gold.records if r.id not in predictions),
        records=tuple(record_details(s) for s in scores),
    )


def save_run(folder: Path, run: EvalRun) -> Path:
    """The run as one flat JSON object (the layout of every saved run), written atomically."""
    path = folder / f"{run.run_id}.json"
    text = json.dumps(run.model_dump(mode="json"), indent=1, ensure_ascii=False)
    atomic_write_text(path, text + "\n")
    return path


def _validation_problem(err: ValidationError) -> str:
    """The first problem of a run file, named by its key in the file (which is flat)."""
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part not in ("source", "engine"))
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{first['msg']}{more}"


def load_run(path: Path) -> EvalRun:
    """One saved run; a file that is not one is an EvalDataError naming it."""
    try:
        return EvalRun.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise EvalDataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValidationError as err:
        raise EvalDataError(
            f"{path}: not a saved eval run: {_validation_problem(err)}",
            "pass a run `enrich eval` saved; `enrich eval runs` lists them",
        ) from None


def list_runs(folder: Path) -> list[EvalRun]:
    """Saved runs, oldest first (files that are not saved runs are skipped)."""
    runs: list[EvalRun] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            runs.append(load_run(path))
        except EvalDataError:
            continue
    runs.sort(key=lambda r: (r.date, r.run_id))
    return runs


def find_run(
    folder: Path, ref: str, *, exclude: str | None = None, gold_hash: str | None = None
) -> EvalRun:
    """A saved run by id, file path, or `last` (newest other run, on the same gold if any)."""
    if ref == "last":
        runs = [r for r in list_runs(folder) if r.run_id != exclude]
        same = [r for r in runs if r.gold_hash == gold_hash]
        chosen = (same or runs)[-1:]
        if not chosen:
            raise UsageError(
                f"{folder}: no saved eval run to compare with", "run `enrich eval` once first"
            )
        return chosen[0]
    path = Path(ref)
    if not path.is_file():
        path = folder / f"{ref}.json"
    if not path.is_file():
        raise UsageError(f"no saved eval run {ref!r} in {folder}", "see `enrich eval runs`")
    return load_run(path)
