"""`enrich run` (also plain `enrich CORPUS`): ingest, extract, write papers.jsonl and run.json,
then the review outputs."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from enrich.api import Extractor, partial_file, recording, write_run
from enrich.backends.factory import make_backend
from enrich.cache import ResultCache
from enrich.cli.engine import DEFAULTS, EngineOptions, engine_options
from enrich.cli.options import CorpusArg, FieldOpt, MaxAbstractCharsOpt, QuietOpt
from enrich.cli.papers import read_options, report
from enrich.cli.progress import RichProgress, waiting_notice
from enrich.cli.signals import terminate_as_interrupt
from enrich.config import gain_policy, item_policy
from enrich.core.manifest import RunSummary
from enrich.core.schema import schema_hash
from enrich.freshness import finished_run, inputs_digest
from enrich.ingest import read_corpus
from enrich.prompt_files import load_prompt_set
from enrich.run_folder import prepare


@engine_options
def run(
    corpus: CorpusArg,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Output folder.")] = Path(
        "enriched"
    ),
    engine: EngineOptions = DEFAULTS,
    field: FieldOpt = None,
    max_abstract_chars: MaxAbstractCharsOpt = None,
    quiet: QuietOpt = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the run summary as JSON on stdout.")
    ] = False,
) -> None:
    """Extract methods, tasks, datasets, metrics and claimed gains from every abstract in CORPUS.

    Writes OUT/papers.jsonl (each paper with its grounded extraction, status, backend, model,
    prompt hash and cached flag), OUT/profiles.json and OUT/run.json (counts, cache hits,
    requests, retries, failures, tokens, cost when the model's price is known, wall time), then
    the review outputs: papers/methods/tasks/datasets/metrics/gains .csv, enrich.sqlite,
    report.html and summary.md (`enrich report` rebuilds them). Results are cached, so a
    rerun sends no request for what it has, and an interrupted run resumes where it stopped; a
    rerun with nothing changed (corpus files, settings, prompts, enrich itself) and no failures
    before finds OUT up to date and does nothing (--no-cache redoes it).
    """
    settings = engine.settings()
    policies = gain_policy(engine.gains), item_policy(engine.items)
    prompt = load_prompt_set(engine.prompts)
    prepare(out)  # a folder that cannot be written fails now, not after the extraction
    cache = None if engine.no_cache else ResultCache(settings.cache_dir)  # a broken cache, too
    err = Console(stderr=True, soft_wrap=True)
    reading = read_options(field, max_abstract_chars)
    try:
        backend = make_backend(
            settings, prompt, engine.backend_options(), memory=cache, log_dir=out
        )
        inputs = inputs_digest(corpus, reading, {
            "identity": backend.identity(), "params": backend.params(), "prompt": prompt.hash,
            "schema": schema_hash(), "gains": engine.gains, "items": engine.items,
        })  # fmt: skip
        done = None if engine.no_cache else finished_run(out, inputs)
        if done is not None:
            if as_json:
                typer.echo(json.dumps(done.model_dump(mode="json"), indent=2))
            if not quiet:
                err.print(
                    f"{out} is up to date: run {done.run_id} read the same corpus files with "
                    "the same settings, prompts and code, with no failures; nothing to do "
                    "(--no-cache extracts again)", markup=False, highlight=False,
                )  # fmt: skip
            return
        corpus_result = read_corpus(corpus, reading)
        if not quiet:
            report(corpus_result, err)
        endpoint = backend.identity().get("endpoint", "")
        if not quiet:
            where = f" · endpoint {endpoint}" if endpoint else ""
            if backend.name == "openai" and settings.backend == "openai":
                where += f" · provider {settings.provider}"
            origin = getattr(backend, "origin", "")
            why = f" — {settings.reason}" if settings.reason else ""
            err.print(
                f"backend: {backend.name} · model {backend.model}{where}"
                + (f" · {origin}" if origin else why),
                markup=False, highlight=False,
            )  # fmt: skip
        progress: RichProgress | None = None
        if not quiet and not as_json:
            progress = RichProgress(err, endpoint=endpoint, model=backend.model, batch=engine.batch)
        extractor = Extractor(backend, prompt, cache, *policies)
        partial = partial_file(out)
        try:
            with terminate_as_interrupt(), progress if progress is not None else nullcontext():
                stream = extractor.extract(corpus_result.papers, progress)
                for _ in recording(stream, partial, extractor.provenance()):
                    pass  # each record is on disk; none is held in memory
        except KeyboardInterrupt:
            err.print(
                "interrupted: finished extractions are cached, and those of finished batches "
                f"are in {partial}; rerun to continue", markup=False, highlight=False,
            )  # fmt: skip
            raise typer.Exit(130) from None
        finally:
            backend.close()
    finally:
        if cache is not None:
            cache.close()
    stats = extractor.stats
    summary = extractor.summary().model_copy(update={"inputs_digest": inputs})
    waiting = waiting_notice(err, out, quiet)
    write_run(out, partial, extractor, corpus_result.profiles, summary, on_wait=waiting)
    if cache is not None and cache.write_failures:
        err.print(
            f"warning: {cache.write_failures} results could not be cached in "
            f"{settings.cache_dir} ({cache.write_error}); the outputs hold them, "
            "a rerun asks for them again",
            markup=False, highlight=False,
        )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary.model_dump(mode="json"), indent=2))
    if not quiet:
        cost = summary.cost_usd
        err.print(
            f"{stats.extracted} extracted ({stats.cache_hits} from cache), {stats.failures} "
            f"failed, {stats.skipped} without abstract; {stats.requests} requests, "
            f"{stats.usage.prompt_tokens:,} prompt + {stats.usage.completion_tokens:,} "
            f"completion tokens" + ("" if cost is None else f", ${cost:.4f}")
            + f"; {stats.ungrounded} ungrounded and {stats.rejected} rejected items; "
            + f"wrote {out / 'papers.jsonl'}, "
            + "report.html, summary.md, enrich.sqlite and the CSV tables",
            markup=False, highlight=False,
        )  # fmt: skip
        if summary.endpoints or summary.paced_seconds:
            err.print(traffic_line(summary), markup=False, highlight=False)
    if stats.failures:
        raise typer.Exit(1)


def traffic_line(summary: RunSummary) -> str:
    """Where the requests of a run over several endpoints went, and how long budgets held them."""
    parts = [
        f"{e.url} answered {e.answered}" + (f" ({e.lost} lost, resent elsewhere)" if e.lost else "")
        for e in summary.endpoints
    ]
    if summary.paced_seconds:
        parts.append(f"requests waited {summary.paced_seconds:.1f} s for the rate budgets")
    return "; ".join(parts)
