"""`enrich summarize OUT`: written overviews of a run's researcher profiles and of its corpus,
every sentence citing the papers it rests on, added to OUT/summary.md and kept in
OUT/overviews.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from enrich.backends.factory import make_backend
from enrich.cache import ResultCache
from enrich.cli.engine import DEFAULTS, EngineOptions, engine_options_without
from enrich.cli.options import QuietOpt
from enrich.cli.progress import waiting_notice
from enrich.cli.signals import terminate_as_interrupt
from enrich.core.overview_input import MAX_PAPERS
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_overview_prompt, load_prompt_set
from enrich.review import load_run
from enrich.summarize import NEEDS_LLM, OverviewOutcome, summarize_run


@engine_options_without("prompts", "gains", "items", "batch")
def summarize(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="A run's output folder (the --out of `enrich CORPUS`), holding papers.jsonl.",
            show_default=False,
        ),
    ],
    engine: EngineOptions = DEFAULTS,
    prompts: Annotated[
        Path,
        typer.Option(
            "--prompts",
            metavar="DIR",
            help="Overview prompt folder (system.md, instructions.md, examples.jsonl).",
        ),
    ] = DEFAULT_PROMPTS_DIR / "summarize",
    max_papers: Annotated[
        int,
        typer.Option(
            "--max-papers",
            min=1,
            max=200,
            metavar="N",
            help="Papers one overview is written from, at most: the most recent (unknown years "
            "last), then those with the most extracted items; the listing is also cut at about "
            "4,000 tokens.",
        ),
    ] = MAX_PAPERS,
    quiet: QuietOpt = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was written, per overview, as JSON.")
    ] = False,
) -> None:
    """Write an overview of each researcher profile and of the whole corpus with an LLM: 3 to 6
    sentences from the papers' titles, summaries and extracted items, each citing the papers it
    rests on. An answer citing a paper that was not listed (or a sentence citing none) is asked
    again with the bad ids, and dropped with a warning if still invalid; the rest go into
    OUT/summary.md (an Overview section for the corpus and for each profile) and
    OUT/overviews.json, which `enrich report` keeps showing until the run is extracted anew.
    Answers are cached: a rerun asks nothing. With the offline backend (or no LLM endpoint
    configured) it says so in one line, changes nothing and exits 0. Exits 1 when an overview
    was dropped.
    """
    load_run(out_dir)  # a wrong folder is told before anything else
    settings = engine.settings()
    err = Console(stderr=True, soft_wrap=True)
    if settings.backend == "offline":
        if as_json:
            typer.echo(json.dumps({"overviews": 0, "skipped": NEEDS_LLM}))
        if not quiet:
            err.print(f"enrich summarize: {NEEDS_LLM}", markup=False, highlight=False)
        return
    prompt = load_overview_prompt(prompts)
    cache = None if engine.no_cache else ResultCache(settings.cache_dir)
    try:
        # an LLM backend is built around the extraction prompt; overviews bring their own
        backend = make_backend(
            settings, load_prompt_set(DEFAULTS.prompts), engine.backend_options(),
            memory=cache, log_dir=out_dir,
        )  # fmt: skip
        if not quiet:
            endpoint = backend.identity().get("endpoint", "")
            origin = getattr(backend, "origin", "") or endpoint
            err.print(
                f"backend: {backend.name} · model {backend.model}"
                + (f" · {origin}" if origin else ""), markup=False, highlight=False,
            )  # fmt: skip

        def told(outcome: OverviewOutcome) -> None:
            if not quiet and outcome.overview is not None:
                how = "from cache" if outcome.cached else f"{outcome.seconds:.1f} s"
                err.print(
                    f"{outcome.name}: {outcome.sentences} sentences, {outcome.citations} "
                    f"citations, from {outcome.shown} of {outcome.papers} papers ({how})",
                    markup=False, highlight=False,
                )  # fmt: skip

        try:
            with terminate_as_interrupt():
                report = summarize_run(
                    out_dir, backend, prompt, cache, cap=max_papers, on_outcome=told,
                    on_wait=waiting_notice(err, out_dir, quiet),
                )  # fmt: skip
        except KeyboardInterrupt:
            err.print(
                "interrupted: finished overviews are cached; rerun to continue",
                markup=False, highlight=False,
            )  # fmt: skip
            raise typer.Exit(130) from None
        finally:
            backend.close()
    finally:
        if cache is not None:
            cache.close()
    if as_json:
        typer.echo(json.dumps(report.figures(), indent=2))
    if not quiet:
        for warning in report.warnings:
            err.print(f"warning: {warning}", markup=False, highlight=False)
        figures = report.figures()
        err.print(
            f"{figures['overviews']} overviews written ({figures['cached']} from cache), "
            f"{figures['dropped']} dropped; {figures['requests']} requests; wrote "
            + " and ".join(str(path) for path in report.written),
            markup=False, highlight=False,
        )  # fmt: skip
    if report.dropped:
        raise typer.Exit(1)
