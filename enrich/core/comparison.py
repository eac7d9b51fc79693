"""Comparing two saved eval runs, and the gates that fail a run in CI.

Runs are the JSON objects `enrich eval` saves (figures + per-record details); this module only
reads them, so old runs stay comparable as long as those keys exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enrich.core.gold import GOLD_FIELDS
from enrich.core.schema import FIELDS


def headline(run: Mapping[str, Any]) -> dict[str, float | None]:
    """The F1 figures a comparison and `--max-drop` look at, by name."""
    figures: dict[str, float | None] = {
        "overall": run["overall"]["relaxed_micro_f1"],
        "overall.exact": run["overall"].get("exact_micro_f1"),
    }
    for field in FIELDS:
        entry = run["fields"].get(field, {})
        for mode in ("exact", "relaxed"):
            figures[f"{field}.{mode}"] = entry[mode]["f1"] if entry.get("n_records") else None
    gains = run["gains"]
    figures["gains.value"] = gains["value"]["f1"] if gains.get("n_records") else None
    return figures


def _items(detail: Mapping[str, Any], field: str) -> tuple[set[str], set[str]]:
    """(gold items found, all gold items) of one record's field, from its saved details."""
    entry = detail.get(field)
    if not entry:
        return set(), set()
    found = {pair[0] for pair in entry["tp"]}
    return found, found | set(entry["fn"])


def compare_runs(current: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """Per-figure deltas (current - previous) and the records whose outcome changed."""
    now, before = headline(current), headline(previous)
    deltas = {
        name: (None if now[name] is None or before.get(name) is None else now[name] - before[name])  # type: ignore[operator]
        for name in now
    }
    old = {d["id"]: d for d in previous.get("records", [])}
    changed: list[dict[str, Any]] = []
    for detail in current.get("records", []):
        prior = old.get(detail["id"])
        if prior is None:
            continue
        for field in GOLD_FIELDS:
            found_now, _ = _items(detail, field)
            found_before, _ = _items(prior, field)
            fp_now = set(detail.get(field, {}).get("fp", []))
            fp_before = set(prior.get(field, {}).get("fp", []))
            gained, lost = sorted(found_now - found_before), sorted(found_before - found_now)
            new_fp, gone_fp = sorted(fp_now - fp_before), sorted(fp_before - fp_now)
            if gained or lost or new_fp or gone_fp:
                changed.append(
                    {
                        "id": detail["id"],
                        "field": field,
                        "gained": gained,
                        "lost": lost,
                        "new_false_positives": new_fp,
                        "fixed_false_positives": gone_fp,
                    }
                )
    return {
        "previous_run_id": previous.get("run_id"),
        "deltas": deltas,
        "changed": changed,
        "same_gold": current.get("gold_hash") == previous.get("gold_hash"),
    }


def gate_failures(
    current: Mapping[str, Any],
    *,
    fail_under: float | None = None,
    max_drop: float | None = None,
    comparison: Mapping[str, Any] | None = None,
) -> list[str]:
    """Why this run must fail CI: overall F1 under `fail_under`, or any headline F1 down by
    more than `max_drop` percentage points against the compared run."""
    reasons: list[str] = []
    overall = current["overall"]["relaxed_micro_f1"]
    if fail_under is not None and overall is None:
        reasons.append("no field of the gold set is annotated: nothing was scored")
    elif fail_under is not None and overall < fail_under:
        reasons.append(f"overall relaxed micro-F1 {overall:.3f} is under {fail_under:.3f}")
    if max_drop is not None and comparison is not None:
        for name, delta in comparison["deltas"].items():
            if delta is not None and -delta * 100 > max_drop + 1e-9:
                reasons.append(f"{name} F1 dropped {-delta * 100:.1f} pp (allowed {max_drop:g})")
    return reasons
