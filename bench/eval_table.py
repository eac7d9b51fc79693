"""The backends side by side: the newest saved eval run per (gold set, backend, model, gains
and items policy), as the Markdown table the README shows.

Figures come from runs `enrich eval` saved (`eval/runs/` by default), so the table is exactly
what was measured; seconds per abstract are the extraction's wall time over the abstracts it
sent (cache hits excluded), on the machine that ran it.

    python bench/eval_table.py [--runs-dir eval/runs] [--gold eval/gold.jsonl ...] [--since DATE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from enrich.core.evalrun import EvalRun
from enrich.core.schema import FIELDS
from enrich.evaluation import list_runs

ROOT = Path(__file__).resolve().parent.parent


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"


def _items_policy(run: EvalRun) -> str:
    """Whether rules added items to the answers: runs saved before the policy existed had none,
    runs of its first form added only metrics (`metrics_policy`)."""
    source = run.source
    if source.backend == "offline":
        return "-"
    if source.metrics_policy is not None:
        return "metrics" if source.metrics_policy == "both" else "model"
    return source.items_policy or "model"


def _row(run: EvalRun, pace: float | None) -> str:
    overall, fields, source, engine = run.overall, run.fields, run.source, run.engine
    per_field = [_pct(fields[f].relaxed.f1) if fields[f].n_records else "-" for f in FIELDS]
    cells = [
        ", ".join(Path(f).name for f in run.gold_files),
        f"{source.backend} {source.model or ''}".strip(),
        "rules" if source.backend == "offline" else (source.gains_policy or "model"),
        _items_policy(run),
        _pct(overall.relaxed_micro_f1),
        _pct(overall.exact_micro_f1),
        *per_field,
        _pct(overall.gains_f1),
        f"{len(engine.failures) if engine else 0}/{run.n_records}",
        str(engine.reasks) if engine else "-",
        _pct(engine.ungrounded_share if engine else None),
        "-" if pace is None else (f"{pace:.1f}" if pace >= 1 else f"{pace:.3f}"),
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", type=Path, default=ROOT / "eval" / "runs")
    parser.add_argument("--gold", nargs="*", default=None, help="only runs on these gold files")
    parser.add_argument(
        "--since", default="", metavar="DATE", help="only runs saved at or after this ISO date"
    )
    args = parser.parse_args()
    newest: dict[tuple[str, ...], EvalRun] = {}
    # a run rescored from the cache (another --gains) took no time: show the pace of the run
    # that extracted those answers (same gold, backend, model and prompt)
    paces: dict[tuple[str, ...], float] = {}
    for run in list_runs(args.runs_dir):
        if run.engine is None:  # scored from a predictions file: nothing was extracted
            continue
        gold = run.gold_files
        if args.gold and not {Path(g).name for g in gold} & {Path(g).name for g in args.gold}:
            continue
        source = (*gold, run.source.backend, str(run.source.model))
        pace_of_run = run.engine.seconds_per_abstract
        if pace_of_run is not None:
            paces[(*source, str(run.source.prompt_hash))] = pace_of_run
        if run.date < args.since:  # older runs still give their pace
            continue
        policy = "rules" if run.source.backend == "offline" else str(run.source.gains_policy)
        newest[(*source, policy, _items_policy(run))] = run  # runs come oldest first
    header = ["set", "backend", "gains from", "items from", "relaxed", "exact", *FIELDS,
              "gains F1", "failed", "re-asks", "ungrounded %", "s/abstract"]  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for key in sorted(newest):
        run = newest[key]
        pace = paces.get((*key[:-2], str(run.source.prompt_hash)))
        print(_row(run, pace))


if __name__ == "__main__":
    main()
