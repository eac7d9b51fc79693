"""Rich tables for `enrich eval`: the figures of a run, a comparison, the list of runs."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from enrich.core.evalrun import Comparison, EngineFigures, EvalRun, Prf
from enrich.core.schema import FIELDS

_MAX_CHANGED = 40


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"


def _prf(figures: Prf) -> str:
    return " / ".join(_pct(value) for value in (figures.p, figures.r, figures.f1))


def _ci(values: Sequence[float]) -> str:
    return f"[{values[0] * 100:.1f}, {values[1] * 100:.1f}]" if values else ""


def show_run(console: Console, run: EvalRun) -> None:
    """Per-field exact and relaxed P/R/F1 with intervals, gains, and the overall figure."""
    table = Table(title=f"eval {run.run_id} · {run.n_records} records", title_justify="left")
    table.add_column("field")
    for column in ("n", "exact P / R / F1", "relaxed P / R / F1", "95% CI", "macro F1"):
        table.add_column(column, justify="right")
    for field in FIELDS:
        entry = run.fields[field]
        if not entry.n_records:
            table.add_row(field, "0", *["-"] * 4)
            continue
        ex, rx = entry.exact, entry.relaxed
        table.add_row(
            field, str(entry.n_records), _prf(ex), _prf(rx), _ci(rx.f1_ci), _pct(rx.macro_f1),
        )  # fmt: skip
    gains = run.gains
    if gains.n_records:
        value = gains.value
        table.add_row(
            "gains (value)", str(gains.n_records), "", _prf(value), _ci(value.f1_ci), ""
        )  # fmt: skip
    console.print(table)
    overall = run.overall
    agreement = ", ".join(
        f"{name} {_pct(a.share)}% of {a.scored}" for name, a in gains.agreement.items() if a.scored
    )
    console.print(
        f"overall relaxed micro-F1 {_pct(overall.relaxed_micro_f1)} "
        f"{_ci(overall.relaxed_micro_f1_ci)} · exact {_pct(overall.exact_micro_f1)} "
        f"{_ci(overall.exact_micro_f1_ci)} · gains F1 {_pct(overall.gains_f1)}"
        + (f" · matched gains agree on {agreement}" if agreement else ""),
        highlight=False,
    )
    source = run.source
    console.print(
        f"backend {source.backend} · model {source.model} · prompt {source.prompt_hash}"
        f" · gold {', '.join(run.gold_files)} ({run.gold_hash})",
        highlight=False,
        markup=False,
    )
    if run.engine is not None:  # runs that extracted (not --predictions)
        _show_engine(console, run.engine, source.gains_policy or "model")


def _show_engine(console: Console, engine: EngineFigures, gains_policy: str) -> None:
    share, pace = engine.ungrounded_share, engine.seconds_per_abstract
    console.print(
        f"{len(engine.failures)} failed · {engine.requests} requests, "
        f"{engine.reasks} re-asks, {engine.cache_hits} from cache · "
        f"{engine.items_kept} items kept, {engine.items_ungrounded} ungrounded"
        + ("" if share is None else f" ({share * 100:.1f}%)")
        + (f", {engine.items_rejected} rejected" if engine.items_rejected else "")
        + ("" if pace is None else f" · {pace:.1f} s per extracted abstract")
        + f" · gains from {gains_policy}",
        highlight=False,
        markup=False,
    )


def show_comparison(console: Console, comparison: Comparison) -> None:
    table = Table(
        title=f"change against {comparison.previous_run_id}"
        + ("" if comparison.same_gold else " (different gold files)"),
        title_justify="left",
    )
    table.add_column("figure")
    table.add_column("Δ F1 (pp)", justify="right")
    for name, delta in comparison.deltas.items():
        if delta is not None:
            table.add_row(name, f"{delta * 100:+.1f}")
    console.print(table)
    changed = comparison.changed
    for change in changed[:_MAX_CHANGED]:
        parts = [f"+{item!r}" for item in change.gained]
        parts += [f"-{item!r}" for item in change.lost]
        parts += [f"new FP {item!r}" for item in change.new_false_positives]
        parts += [f"FP gone {item!r}" for item in change.fixed_false_positives]
        console.print(f"  {change.id} {change.field}: " + ", ".join(parts), markup=False)
    if len(changed) > _MAX_CHANGED:
        console.print(f"  … {len(changed) - _MAX_CHANGED} more changes (see --json)")
    if not changed:
        console.print("  no record changed")


def show_runs(console: Console, runs: Sequence[EvalRun]) -> None:
    table = Table(title="saved eval runs (oldest first)", title_justify="left")
    for column in ("run", "backend · model", "prompt", "n", "F1", "gains F1"):
        table.add_column(column, no_wrap=column == "run")
    for run in runs:
        overall, source = run.overall, run.source
        table.add_row(
            run.run_id, f"{source.backend} · {source.model or '-'}",
            source.prompt_hash or "-", str(run.n_records),
            _pct(overall.relaxed_micro_f1), _pct(overall.gains_f1),
        )  # fmt: skip
    console.print(table)
