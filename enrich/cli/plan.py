"""`enrich plan`: a run's requests, tokens, cost and wall time, before spending anything."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from enrich.cli.engine import DEFAULTS, EngineOptions, engine_options
from enrich.cli.options import CorpusArg, FieldOpt, MaxAbstractCharsOpt, QuietOpt
from enrich.cli.papers import read_options, report, terminal_cell
from enrich.config import gain_policy, item_policy
from enrich.core.plan import Plan
from enrich.ingest import read_corpus
from enrich.planning import plan_papers


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _costs(plan: Plan) -> list[tuple[str, str, str]]:
    """The realtime and Batch API rows; the one this run would pay is marked."""
    cost = plan.cost
    realtime = ("cost, realtime", _usd(cost.realtime_usd), cost.source)
    if cost.batch_usd is not None:
        batch = ("cost, Batch API", _usd(cost.batch_usd), "what the provider's Batch API bills")
    elif cost.realtime_usd is None:
        batch = ("cost, Batch API", "unknown", "no list price")
    else:
        batch = ("cost, Batch API", "-", "no Batch API price")
    if plan.batch:
        return [(batch[0], batch[1], f"this run's price (--batch): {batch[2]}"), realtime]
    return [realtime, batch]


def _time_source(plan: Plan) -> str:
    """Each bound with its arithmetic, the binding one first."""
    timing, sent = plan.time, plan.requests
    bounds = {
        "latency": f"{sent:,} requests x {timing.latency_s:g} s / {timing.concurrency} in "
        f"flight = {_duration(timing.latency_bound_s)} ({timing.latency_source})",
    }
    if timing.rpm_bound_s is not None and timing.rpm is not None:
        bounds["rpm"] = (
            f"{sent:,} requests / --rpm {timing.rpm:,} = {_duration(timing.rpm_bound_s)}"
        )
    if timing.tpm_bound_s is not None and timing.tpm is not None:
        bounds["tpm"] = (
            f"{timing.tpm_tokens:,} tokens as a limiter counts them (prompt characters / 4 + the "
            f"answer cap each) / --tpm "
            f"{timing.tpm:,} = {_duration(timing.tpm_bound_s)}"
        )
    if timing.bound == "none":
        return "nothing to send"
    if timing.bound == "batch":
        return "through the Batch API: answers within its 24 h completion window, often sooner"
    first = bounds.pop(timing.bound)
    return "; ".join([f"{timing.bound} binds: {first}", *bounds.values()])


def _table(plan: Plan) -> Table:
    """The figures, each beside how it was obtained."""
    where = f" · {plan.endpoint}" if plan.endpoint else ""
    title = terminal_cell(f"plan: {plan.backend} · {plan.model}{where}")  # never markup
    table = Table(title=title, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("figure", justify="right")
    table.add_column("how", overflow="fold")
    tokens = plan.tokens
    rows = [
        ("papers", f"{plan.papers:,}", f"{plan.with_abstract:,} with an abstract"),
        ("distinct requests", f"{plan.distinct:,}", "identical inputs are asked once"),
        ("already cached", f"{plan.cached:,}", "answered in the cache: no request"),
        ("requests to send", f"{plan.requests:,}", "one per distinct uncached paper"),
        ("prompt tokens", f"{tokens.prompt:,}", tokens.prompt_source),
        ("completion tokens", f"{tokens.completion:,}", tokens.completion_source),
        *_costs(plan),
        ("wall time", f"up to {plan.time.seconds / 3600:g} h" if plan.time.bound == "batch"
         else _duration(plan.time.seconds), _time_source(plan)),
    ]  # fmt: skip
    for name, figure, how in rows:
        table.add_row(name, figure, terminal_cell(how))
    return table


@engine_options
def plan(
    corpus: CorpusArg,
    engine: EngineOptions = DEFAULTS,
    field: FieldOpt = None,
    max_abstract_chars: MaxAbstractCharsOpt = None,
    latency: Annotated[
        float | None,
        typer.Option(
            "--latency",
            min=0.0,
            metavar="SECONDS",
            help="Seconds one request takes, for the wall-time estimate. Default: 5 for a "
            "hosted model; for --backend local the packaged model's measured figure (27 s "
            "qwen-0.5b, 40 s qwen-1.5b on 2 cores).",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOpt = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the plan as JSON on stdout.")
    ] = False,
) -> None:
    """Count what `enrich run` with the same CORPUS and options would send, cost and take.

    Reads the corpus and looks every paper up in the cache (read-only), then counts the prompt
    tokens of each request still to send: exactly where the model's tokenizer is here (a local
    GGUF; tiktoken with its encoding already cached), else calibrated on this model's cached
    answers, else at 4 characters per token; answers at the cached answers' mean, else 400
    tokens. Cost at the provider's list price, never guessed; wall time from latency,
    concurrency, --rpm and --tpm. Sends no request, starts no server, changes no cache entry.
    """
    gain_policy(engine.gains)  # the run's errors for them, before any work
    item_policy(engine.items)
    found = read_corpus(corpus, read_options(field, max_abstract_chars))
    err = Console(stderr=True, soft_wrap=True)
    if not quiet:
        report(found, err)
    result = plan_papers(
        found.papers, backend=engine.backend, model=engine.model, base_url=engine.base_url,
        provider=engine.provider, cache_dir=engine.cache_dir, use_cache=not engine.no_cache,
        prompts=engine.prompts, options=engine.backend_options(), latency=latency,
    )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    out = Console(soft_wrap=False)
    out.print(_table(result))
    for note in result.notes:
        out.print(terminal_cell(f"note: {note}"))
