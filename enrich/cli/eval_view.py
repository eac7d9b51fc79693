"""Rich tables for `enrich eval`: the figures of a run, a comparison, the list of runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from enrich.core.schema import FIELDS

_MAX_CHANGED = 40


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"


def _prf(figures: Mapping[str, Any]) -> str:
    return " / ".join(_pct(figures[key]) for key in ("p", "r", "f1"))


def _ci(values: Sequence[float]) -> str:
    return f"[{values[0] * 100:.1f}, {values[1] * 100:.1f}]" if values else ""


def show_run(console: Console, run: Mapping[str, Any]) -> None:
    """Per-field exact and relaxed P/R/F1 with intervals, gains, and the overall figure."""
    table = Table(title=f"eval {run['run_id']} · {run['n_records']} records", title_justify="left")
    table.add_column("field")
    for column in ("n", "exact P / R / F1", "relaxed P / R / F1", "95% CI", "macro F1"):
        table.add_column(column, justify="right")
    for field in FIELDS:
        entry = run["fields"][field]
        if not entry["n_records"]:
            table.add_row(field, "0", *["-"] * 4)
            continue
        ex, rx = entry["exact"], entry["relaxed"]
        table.add_row(
            field, str(entry["n_records"]), _prf(ex), _prf(rx), _ci(rx["f1_ci"]),
            _pct(rx["macro_f1"]),
        )  # fmt: skip
    gains = run["gains"]
    if gains["n_records"]:
        value = gains["value"]
        table.add_row(
            "gains (value)", str(gains["n_records"]), "", _prf(value), _ci(value["f1_ci"]), ""
        )  # fmt: skip
    console.print(table)
    overall = run["overall"]
    agreement = ", ".join(
        f"{name} {_pct(a['share'])}% of {a['scored']}"
        for name, a in gains["agreement"].items()
        if a["scored"]
    )
    console.print(
        f"overall relaxed micro-F1 {_pct(overall['relaxed_micro_f1'])} "
        f"{_ci(overall['relaxed_micro_f1_ci'])} · exact {_pct(overall['exact_micro_f1'])} "
        f"{_ci(overall['exact_micro_f1_ci'])} · gains F1 {_pct(overall['gains_f1'])}"
        + (f" · matched gains agree on {agreement}" if agreement else ""),
        highlight=False,
    )
    console.print(
        f"backend {run.get('backend')} · model {run.get('model')} · prompt {run.get('prompt_hash')}"
        f" · gold {', '.join(run['gold_files'])} ({run['gold_hash']})",
        highlight=False,
        markup=False,
    )
    if "items_kept" in run:  # runs that extracted (not --predictions)
        share, pace = run.get("ungrounded_share"), run.get("seconds_per_abstract")
        console.print(
            f"{len(run.get('failures') or {})} failed · {run.get('requests', 0)} requests, "
            f"{run.get('reasks', 0)} re-asks, {run.get('cache_hits', 0)} from cache · "
            f"{run['items_kept']} items kept, {run.get('items_ungrounded', 0)} ungrounded"
            + ("" if share is None else f" ({share * 100:.1f}%)")
            + (f", {run['items_rejected']} rejected" if run.get("items_rejected") else "")
            + ("" if pace is None else f" · {pace:.1f} s per extracted abstract")
            + f" · gains from {run.get('gains_policy', 'model')}",
            highlight=False,
            markup=False,
        )


def show_comparison(console: Console, comparison: Mapping[str, Any]) -> None:
    table = Table(
        title=f"change against {comparison['previous_run_id']}"
        + ("" if comparison["same_gold"] else " (different gold files)"),
        title_justify="left",
    )
    table.add_column("figure")
    table.add_column("Δ F1 (pp)", justify="right")
    for name, delta in comparison["deltas"].items():
        if delta is not None:
            table.add_row(name, f"{delta * 100:+.1f}")
    console.print(table)
    changed = comparison["changed"]
    for change in changed[:_MAX_CHANGED]:
        parts = []
        for key, sign in (("gained", "+"), ("lost", "-")):
            parts += [f"{sign}{item!r}" for item in change[key]]
        for key, label in (("new_false_positives", "new FP"), ("fixed_false_positives", "FP gone")):
            parts += [f"{label} {item!r}" for item in change[key]]
        console.print(f"  {change['id']} {change['field']}: " + ", ".join(parts), markup=False)
    if len(changed) > _MAX_CHANGED:
        console.print(f"  … {len(changed) - _MAX_CHANGED} more changes (see --json)")
    if not changed:
        console.print("  no record changed")


def show_runs(console: Console, runs: Sequence[Mapping[str, Any]]) -> None:
    table = Table(title="saved eval runs (oldest first)", title_justify="left")
    for column in ("run", "backend · model", "prompt", "n", "F1", "gains F1"):
        table.add_column(column, no_wrap=column == "run")
    for run in runs:
        overall = run["overall"]
        table.add_row(
            run["run_id"], f"{run.get('backend')} · {run.get('model') or '-'}",
            str(run.get("prompt_hash") or "-"), str(run.get("n_records")),
            _pct(overall["relaxed_micro_f1"]), _pct(overall.get("gains_f1")),
        )  # fmt: skip
    console.print(table)
