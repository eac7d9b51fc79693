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
from typing import Any

from enrich.core.schema import FIELDS
from enrich.evaluation import list_runs

ROOT = Path(__file__).resolve().parent.parent


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"


def _items_policy(run: dict[str, Any]) -> str:
    """Whether rules added items to the answers: runs saved before the policy existed had none,
    runs of its first form added only metrics (`metrics_policy`)."""
    if run.get("backend") == "offline":
        return "-"
    if "metrics_policy" in run:
        return "metrics" if run["metrics_policy"] == "both" else "model"
    return str(run.get("items_policy", "model"))


def _row(run: dict[str, Any], pace: float | None) -> str:
    overall, fields = run["overall"], run["fields"]
    per_field = [
        _pct(fields[f]["relaxed"]["f1"]) if fields[f]["n_records"] else "-" for f in FIELDS
    ]
    share = run.get("ungrounded_share")
    cells = [
        ", ".join(Path(f).name for f in run["gold_files"]),
        f"{run.get('backend')} {run.get('model') or ''}".strip(),
        "rules" if run.get("backend") == "offline" else str(run.get("gains_policy", "model")),
        _items_policy(run),
        _pct(overall["relaxed_micro_f1"]),
        _pct(overall["exact_micro_f1"]),
        *per_field,
        _pct(overall["gains_f1"]),
        f"{len(run.get('failures') or {})}/{run['n_records']}",
        str(run.get("reasks", "-")),
        _pct(share),
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
    newest: dict[tuple[str, ...], dict[str, Any]] = {}
    # a run rescored from the cache (another --gains) took no time: show the pace of the run
    # that extracted those answers (same gold, backend, model and prompt)
    paces: dict[tuple[str, ...], float] = {}
    for run in list_runs(args.runs_dir):
        if run.get("backend") == "predictions":
            continue
        gold = tuple(run["gold_files"])
        if args.gold and not {Path(g).name for g in gold} & {Path(g).name for g in args.gold}:
            continue
        source = (*gold, str(run.get("backend")), str(run.get("model")))
        if run.get("seconds_per_abstract") is not None:
            paces[(*source, str(run.get("prompt_hash")))] = run["seconds_per_abstract"]
        if str(run.get("date", "")) < args.since:  # older runs still give their pace
            continue
        policy = "rules" if run.get("backend") == "offline" else str(run.get("gains_policy"))
        newest[(*source, policy, _items_policy(run))] = run  # runs come oldest first
    header = ["set", "backend", "gains from", "items from", "relaxed", "exact", *FIELDS,
              "gains F1", "failed", "re-asks", "ungrounded %", "s/abstract"]  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for key in sorted(newest):
        run = newest[key]
        pace = paces.get((*key[:-2], str(run.get("prompt_hash"))))
        print(_row(run, pace))


if __name__ == "__main__":
    main()
