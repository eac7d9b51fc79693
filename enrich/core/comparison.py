"""Comparing two saved eval runs, and the gates that fail a run in CI.

Runs are the `EvalRun`s `enrich eval` saves (figures + per-record details); this module only
reads them, so old runs stay comparable as long as they load.
"""

from __future__ import annotations

from enrich.core.evalrun import Comparison, EvalRun, Figures, RecordChange, RecordDetail
from enrich.core.gold import GOLD_FIELDS
from enrich.core.schema import FIELDS


def headline(run: Figures) -> dict[str, float | None]:
    """The F1 figures a comparison and `--max-drop` look at, by name."""
    figures: dict[str, float | None] = {
        "overall": run.overall.relaxed_micro_f1,
        "overall.exact": run.overall.exact_micro_f1,
    }
    for field in FIELDS:
        entry = run.fields.get(field)
        scored = entry.by_mode() if entry is not None and entry.n_records else {}
        for mode in ("exact", "relaxed"):
            figures[f"{field}.{mode}"] = scored[mode].f1 if mode in scored else None
    figures["gains.value"] = run.gains.value.f1 if run.gains.n_records else None
    return figures


def _found_and_false(detail: RecordDetail, field: str) -> tuple[set[str], set[str]]:
    """(gold items found, false positives) of one record's field, from its saved details."""
    matches = detail.matches(field)
    if matches is None:
        return set(), set()
    return {gold for gold, _ in matches.tp}, set(matches.fp)


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def compare_runs(current: EvalRun, previous: EvalRun) -> Comparison:
    """Per-figure deltas (current - previous) and the records whose outcome changed."""
    now, before = headline(current), headline(previous)
    deltas = {name: _delta(now[name], before.get(name)) for name in now}
    old = {d.id: d for d in previous.records}
    changed: list[RecordChange] = []
    for detail in current.records:
        prior = old.get(detail.id)
        if prior is None:
            continue
        for field in GOLD_FIELDS:
            found_now, fp_now = _found_and_false(detail, field)
            found_before, fp_before = _found_and_false(prior, field)
            gained, lost = sorted(found_now - found_before), sorted(found_before - found_now)
            new_fp, gone_fp = sorted(fp_now - fp_before), sorted(fp_before - fp_now)
            if gained or lost or new_fp or gone_fp:
                changed.append(
                    RecordChange(
                        id=detail.id,
                        field=field,
                        gained=tuple(gained),
                        lost=tuple(lost),
                        new_false_positives=tuple(new_fp),
                        fixed_false_positives=tuple(gone_fp),
                    )
                )
    return Comparison(
        previous_run_id=previous.run_id,
        deltas=deltas,
        changed=tuple(changed),
        same_gold=current.gold_hash == previous.gold_hash,
    )


def gate_failures(
    current: Figures,
    *,
    fail_under: float | None = None,
    max_drop: float | None = None,
    comparison: Comparison | None = None,
) -> list[str]:
    """Why this run must fail CI: overall F1 under `fail_under`, or any headline F1 down by
    more than `max_drop` percentage points against the compared run."""
    reasons: list[str] = []
    overall = current.overall.relaxed_micro_f1
    if fail_under is not None and overall is None:
        reasons.append("no field of the gold set is annotated: nothing was scored")
    elif fail_under is not None and overall is not None and overall < fail_under:
        reasons.append(f"overall relaxed micro-F1 {overall:.3f} is under {fail_under:.3f}")
    if max_drop is not None and comparison is not None:
        for name, delta in comparison.deltas.items():
            if delta is not None and -delta * 100 > max_drop + 1e-9:
                reasons.append(f"{name} F1 dropped {-delta * 100:.1f} pp (allowed {max_drop:g})")
    return reasons
