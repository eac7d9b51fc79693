"""Scoring speed: `enrich eval`'s scorer on a large gold set.

Builds N gold records from the public labeled sets (SciERC train, TDMSci train; repeated with new
ids) and predictions that keep, drop, truncate and invent items, then times scoring and the
summary with 1000 bootstrap samples, as `enrich eval` runs them.

    python bench/eval_scoring.py [--records 10000] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from enrich.core.gold import GoldGain, GoldRecord, Labels, parse_gold
from enrich.core.schema import FIELDS
from enrich.core.scoring import score_all, summarize

ROOT = Path(__file__).resolve().parent.parent


def _perturb(labels: Labels, rng: random.Random) -> Labels:
    fields: dict[str, object] = {}
    for field in FIELDS:
        kept = []
        for item in labels.strings(field) or []:
            roll = rng.random()
            if roll < 0.6:
                kept.append(item)
            elif roll < 0.8:
                kept.append(" ".join(item.split()[:-1]) or item)  # a shorter span
        if rng.random() < 0.3:
            kept.append(f"invented {field} {rng.randrange(1000)}")
        fields[field] = kept
    fields["gains"] = [GoldGain(value=float(rng.randrange(100)), metric="accuracy")]
    return Labels.model_validate(fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    base: list[GoldRecord] = []
    for name in ("scierc/scierc_train.jsonl", "tdmsci/tdmsci_train.jsonl"):
        base += parse_gold((args.data / name).read_text(encoding="utf-8"))
    rng = random.Random(0)
    gold: list[GoldRecord] = []
    predictions: dict[str, Labels] = {}
    for i in range(args.records):
        record = base[i % len(base)]
        labels = record.gold.model_copy(update={"gains": [GoldGain(value=float(i % 50))]})
        copy = record.model_copy(update={"id": f"r{i}", "gold": labels})
        gold.append(copy)
        predictions[copy.id] = _perturb(copy.gold, rng)
    items = sum(len(r.gold.strings(f) or []) for r in gold for f in FIELDS)
    started = time.perf_counter()
    scores = score_all(gold, predictions)
    matched = time.perf_counter()
    figures = summarize(scores)
    done = time.perf_counter()
    print(f"records: {len(gold)} ({items} gold items)")
    print(f"matching: {matched - started:.2f}s")
    print(f"summary with {figures.bootstrap.samples} bootstrap samples: {done - matched:.2f}s")
    print(f"total: {done - started:.2f}s ({len(gold) / (done - started):,.0f} records/s)")
    f1 = figures.overall.relaxed_micro_f1
    shown = "-" if f1 is None else f"{f1:.3f}"
    print(f"overall relaxed micro-F1 of the synthetic predictions: {shown}")


if __name__ == "__main__":
    main()
