"""The offline extractor's errors on a labeled set, sorted into classes.

Each false positive and false negative of the relaxed scoring falls in the first class that
explains it; what none explains stays "other". Run it on the development set (what rules are
developed on) or on any gold-format file; held-out sets only to report, never to tune.

    python bench/offline_errors.py [--gold eval/dev.jsonl] [--examples 3]

False positives:
- wrong field: the string is a labeled item of another field ("MMLU" as a method);
- swallows a neighbour: it contains a labeled item of another field and more words
  ("image captioning (MSCOCO)");
- coordination left whole: "A and B" / "A, B" whose parts are labeled items;
- generic phrase: lowercase words that name nothing ("deep learning models", "training data");
- other.
False negatives:
- found in another field: the label was predicted, under another field;
- lowercase term missed: a lowercase technique, task or metric ("contrastive loss");
- other.
Matches that are relaxed but not exact are counted apart: extra or missing words, often a
generic head ("MMLU benchmark" for "MMLU", "retrieval task").
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

from enrich.backends.offline import OfflineBackend
from enrich.core.convention import GENERIC
from enrich.core.gold import Labels
from enrich.core.schema import FIELDS
from enrich.core.scoring import score_all
from enrich.core.textmatch import normalize, relaxed_match
from enrich.evaluation import load_gold, predict
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set

ROOT = Path(__file__).resolve().parent.parent
_COORD = (" and ", ", ", " or ", "/")


def _others(labels: Labels, field: str) -> list[str]:
    return [s for f in FIELDS if f != field for s in labels.strings(f) or []]


def _fp_class(item: str, field: str, gold: Labels) -> str:
    norm = normalize(item)
    others = _others(gold, field)
    if any(normalize(o) == norm for o in others):
        return "wrong field"
    tokens = f" {norm} "
    if any(f" {normalize(o)} " in tokens for o in others):
        return "swallows a neighbour"
    own = gold.strings(field) or []
    if any(sep in item for sep in _COORD):
        parts = [p for sep in _COORD for p in item.split(sep) if sep in item]
        if sum(any(relaxed_match(normalize(p), normalize(g)) for g in own) for p in parts) >= 2:
            return "coordination left whole"
    if item == item.lower() and any(w in GENERIC for w in norm.split()):
        return "generic phrase"
    return "other"


def _fn_class(item: str, field: str, predicted: Labels) -> str:
    norm = normalize(item)
    if any(normalize(o) == norm for o in _others(predicted, field)):
        return "found in another field"
    if item == item.lower():
        return "lowercase term missed"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "dev.jsonl")
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()
    gold = load_gold([args.gold])
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    labels = predict(gold.records, OfflineBackend(), prompt, None, gains="rules").labels
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for record, score in zip(gold.records, score_all(gold.records, labels), strict=True):
        predicted = labels.get(record.id, Labels())
        for field in FIELDS:
            matches = score.fields[field]
            if matches is None:
                continue
            relaxed, exact = matches["relaxed"], matches["exact"]
            exact_fn = set(exact.fn)
            for item in relaxed.fp:
                key = ("FP", _fp_class(item, field, record.gold))
                counts[key] += 1
                totals["FP"] += 1
                examples[key].append(f"{field}: {item}")
            for gold_item, found in relaxed.tp:
                if gold_item in exact_fn:  # matched only relaxed: extra or missing words
                    key = ("not exact", "extra or missing words")
                    counts[key] += 1
                    examples[key].append(f"{field}: {found} / {gold_item}")
            for item in relaxed.fn:
                key = ("FN", _fn_class(item, field, predicted))
                counts[key] += 1
                totals["FN"] += 1
                examples[key].append(f"{field}: {item}")
    print(f"{args.gold}: {len(gold.records)} records, {totals['FP']} false positives, "
          f"{totals['FN']} false negatives (relaxed)")  # fmt: skip
    for (side, name), n in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1])):
        shown = "; ".join(examples[(side, name)][: args.examples])
        print(f"{side:10} {name:28} {n:4}  {shown}")


if __name__ == "__main__":
    main()
