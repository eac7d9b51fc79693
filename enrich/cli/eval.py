"""`enrich eval`: score extraction against hand-labeled gold, keep the run, compare, gate CI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from enrich.backends.factory import make_backend
from enrich.cache import ResultCache
from enrich.cli.engine import DEFAULTS, EngineOptions, engine_options
from enrich.cli.eval_view import show_comparison, show_run, show_runs
from enrich.cli.options import QuietOpt
from enrich.cli.signals import terminate_as_interrupt
from enrich.config import gain_policy, item_policy
from enrich.core.comparison import compare_runs, gate_failures
from enrich.core.evalrun import EvalRun, EvalSource
from enrich.core.gold import check_gold
from enrich.core.schema import schema_hash
from enrich.errors import UsageError
from enrich.evaluation import (
    DEFAULT_GOLD,
    DEFAULT_RUNS_DIR,
    evaluate,
    find_run,
    list_runs,
    load_gold,
    load_predictions,
    predict,
    save_run,
)
from enrich.prompt_files import load_prompt_set

eval_app = typer.Typer(
    help="Score extraction against hand-labeled gold (GOLD_FORMAT records); every run is "
    "saved so a prompt or model change shows its delta.",
    invoke_without_command=True,
    rich_markup_mode=None,
)

RunsDirOpt = Annotated[
    Path, typer.Option("--runs-dir", metavar="DIR", help="Where eval runs are saved.")
]


def _check(path: Path, prompts: Path) -> None:
    """--check-gold: print every problem; exit 1 if there is any."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc})", "pass a UTF-8 JSON Lines file") from None
    examples = [example.text for example in load_prompt_set(prompts).examples]
    problems = check_gold(text, examples)
    for problem in problems:
        typer.echo(f"{path}: {problem}", err=True)
    if problems:
        typer.echo(f"{path}: {len(problems)} problems", err=True)
        raise typer.Exit(1)
    records = sum(1 for line in text.splitlines() if line.strip())
    typer.echo(f"{path}: {records} records, no problems")


@engine_options
def evaluate_command(
    ctx: typer.Context,
    gold: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="FILE", help="Gold JSONL file(s); repeatable. Default: eval/gold.jsonl."
        ),
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Score this JSONL instead of extracting: one record per gold id, the fields at "
            "top level, under `gold`, or under `extraction` (papers.jsonl). A missing id "
            "predicts nothing.",
        ),
    ] = None,
    engine: EngineOptions = DEFAULTS,
    compare: Annotated[
        str | None,
        typer.Option(metavar="RUN|last", help="Compare with a saved run (id, file, or last)."),
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(metavar="F", min=0.0, max=1.0, help="Exit 1 if overall relaxed micro-F1 < F."),
    ] = None,
    max_drop: Annotated[
        float | None,
        typer.Option(
            metavar="PP",
            min=0.0,
            help="With --compare: exit 1 if any F1 dropped by more than PP percentage points.",
        ),
    ] = None,
    runs_dir: RunsDirOpt = DEFAULT_RUNS_DIR,
    check_gold: Annotated[
        Path | None,
        typer.Option(
            "--check-gold",
            metavar="FILE",
            help="Only validate a gold file (fields, gain texts and values, ids, no few-shot "
            "examples) and exit.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the figures as one JSON object.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Score extraction on gold abstracts: per-field exact and relaxed P/R/F1, macro F1, gains,
    95% bootstrap intervals. Saves the run to --runs-dir; `enrich eval runs` lists them."""
    if ctx.invoked_subcommand is not None:
        return
    if check_gold is not None:
        _check(check_gold, engine.prompts)
        return
    if max_drop is not None and compare is None:
        raise UsageError("--max-drop needs a run to compare with", "add --compare last")
    gold_set = load_gold(gold or [DEFAULT_GOLD])
    err = Console(stderr=True, soft_wrap=True)
    engine_figures = None
    if predictions is not None:
        labels = load_predictions(predictions)
        source = EvalSource(backend="predictions", model=None, prompt_hash=None,
                            predictions_file=str(predictions))  # fmt: skip
    else:
        prompt = load_prompt_set(engine.prompts)
        settings = engine.settings()
        policies = gain_policy(engine.gains), item_policy(engine.items)
        cache = None if engine.no_cache else ResultCache(settings.cache_dir)
        try:
            backend = make_backend(
                settings, prompt, engine.backend_options(), memory=cache, log_dir=runs_dir
            )
            try:
                with terminate_as_interrupt():
                    result = predict(
                        gold_set.records, backend, prompt, cache,
                        gains=policies[0], items=policies[1],
                    )  # fmt: skip
            finally:
                backend.close()
        except KeyboardInterrupt:
            err.print("interrupted: finished extractions are cached; rerun to continue")
            raise typer.Exit(130) from None
        finally:
            if cache is not None:
                cache.close()
        labels = result.labels
        source = EvalSource(
            backend=backend.name, model=backend.model, prompt_hash=prompt.hash,
            schema_hash=schema_hash(), gains_policy=policies[0], items_policy=policies[1],
        )  # fmt: skip
        engine_figures = result.engine_figures()
        if result.failures and not quiet:
            err.print(f"{len(result.failures)} abstracts failed to extract (scored as empty)")
    run = evaluate(gold_set, labels, source, engine_figures)
    path = save_run(runs_dir, run)
    comparison = None
    if compare is not None:
        previous = find_run(runs_dir, compare, exclude=run.run_id, gold_hash=run.gold_hash)
        comparison = compare_runs(run, previous)
    failures = gate_failures(run, fail_under=fail_under, max_drop=max_drop, comparison=comparison)
    if as_json:
        shown = run.model_dump(mode="json", exclude={"records"})
        if comparison is not None:
            shown["comparison"] = comparison.model_dump(mode="json")
        shown["gate_failures"] = failures
        typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        out = Console(soft_wrap=True)
        show_run(out, run)
        if comparison is not None:
            show_comparison(out, comparison)
    if not quiet:
        err.print(f"saved {path}", markup=False, highlight=False)
    for reason in failures:
        err.print(f"gate failed: {reason}", markup=False, highlight=False)
    if failures:
        raise typer.Exit(1)


def runs_command(
    runs_dir: RunsDirOpt = DEFAULT_RUNS_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List saved eval runs, oldest first."""
    runs = list_runs(runs_dir)
    if as_json:
        typer.echo(json.dumps([_listed(run) for run in runs], indent=2))
        return
    if not runs:
        typer.echo(f"no saved eval runs in {runs_dir}")
        return
    show_runs(Console(soft_wrap=True), runs)


def _listed(run: EvalRun) -> dict[str, object]:
    """A run as `eval runs --json` lists it: what produced it and its overall figures."""
    return {
        "run_id": run.run_id,
        "date": run.date,
        "backend": run.source.backend,
        "model": run.source.model,
        "prompt_hash": run.source.prompt_hash,
        "gold_hash": run.gold_hash,
        "n_records": run.n_records,
        "overall": run.overall.model_dump(mode="json"),
    }
