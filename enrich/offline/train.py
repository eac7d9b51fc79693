"""Train the entity CRF on the SciERC train split and print held-out validation figures.

    python -m enrich.offline.train [--data ../shared/data] [--out PATH] [--folds K]

With `--folds K` the train split is cross-validated K ways (abstract i goes to fold i mod K) and
the pooled figures are printed: those are the figures features and settings were chosen on. The
shipped model is trained on the whole split. Dev splits and the project's eval set are never read
here. Training is deterministic given the data.

TDMSci is not used: it labels no methods, so its sentences teach the tagger that methods are not
entities (5-fold relaxed micro-F1 fell from 0.66 to 0.53 with it).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pycrfsuite

from enrich.core.gold import GoldRecord, Labels, parse_gold
from enrich.core.schema import FIELDS
from enrich.core.scoring import score_all, summarize
from enrich.offline.features import FeatureExtractor
from enrich.offline.tagger import DEFAULT_MODEL, EntityTagger
from enrich.offline.tokens import sentences

# Source mention types -> CRF label types. SciERC's OtherScientificTerm and Generic are learned
# too (as contrast: they look like entities but are not scored) and dropped when tagging.
TYPE_MAP = {
    "Method": "MET",
    "Task": "TASK",
    "Material": "DATA",
    "Metric": "METRIC",
    "OtherScientificTerm": "OTHER",
    "Generic": "GEN",
}

PARAMS: dict[str, Any] = {
    "c1": 0.1,
    "c2": 0.05,
    "max_iterations": 200,
    "feature.possible_transitions": True,
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def labeled_sentences(record: dict[str, Any]) -> Iterable[tuple[list[str], list[str]]]:
    """(words, BIO labels) per sentence; nested mentions yield to the longer one."""
    text: str = record["abstract"]
    mentions = sorted(
        (m for m in record.get("mentions", []) if m["type"] in TYPE_MAP),
        key=lambda m: (m["start"] - m["end"], m["start"]),
    )
    for tokens in sentences(text):
        labels = ["O"] * len(tokens)
        for m in mentions:
            inside = [i for i, t in enumerate(tokens) if t.start < m["end"] and t.end > m["start"]]
            if not inside or any(labels[i] != "O" for i in inside):
                continue
            kind = TYPE_MAP[m["type"]]
            for n, i in enumerate(inside):
                labels[i] = ("B-" if n == 0 else "I-") + kind
        yield [t.text for t in tokens], labels


def train(records: Sequence[dict[str, Any]], out: Path, params: dict[str, Any]) -> None:
    """Fit the CRF on `records` and write the model to `out`."""
    extractor = FeatureExtractor()
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for record in records:
        for words, labels in labeled_sentences(record):
            trainer.append(extractor.sentence(words), labels)
    trainer.set_params(params)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))


def predict(tagger: EntityTagger, records: Sequence[GoldRecord]) -> dict[str, Labels]:
    """Labels for each record, in the scorer's prediction format."""
    out: dict[str, Labels] = {}
    for record in records:
        found: dict[str, list[str]] = {f: [] for f in FIELDS}
        for entity in tagger.tag(record.abstract):
            if entity.text not in found[entity.field]:
                found[entity.field].append(entity.text)
        out[record.id] = Labels(**found, gains=[])
    return out


def figures(records: Sequence[GoldRecord], predictions: dict[str, Labels]) -> dict[str, float]:
    """Overall relaxed and exact micro-F1, and per-field relaxed/exact F1."""
    summary = summarize(score_all(records, predictions), samples=0)
    overall = summary["overall"]
    out = {
        "relaxed": float(overall["relaxed_micro_f1"]),
        "exact": float(overall["exact_micro_f1"]),
        "p": overall["p"],
        "r": overall["r"],
    }
    for field in FIELDS:
        out[field + ".relaxed"] = float(summary["fields"][field]["relaxed"]["f1"])
        out[field + ".exact"] = float(summary["fields"][field]["exact"]["f1"])
    return out


def cross_validate(records: Sequence[dict[str, Any]], folds: int) -> dict[str, float]:
    """Pooled figures over `folds` train/test splits of `records`."""
    gold: list[GoldRecord] = []
    predictions: dict[str, Labels] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(folds):
            model = Path(tmp) / f"fold{k}.crfsuite"
            train([r for i, r in enumerate(records) if i % folds != k], model, PARAMS)
            test = [r for i, r in enumerate(records) if i % folds == k]
            part = parse_gold("\n".join(json.dumps(r) for r in test))
            gold.extend(part)
            predictions.update(predict(EntityTagger.load(model), part))
    return figures(gold, predictions)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--folds", type=int, default=0, help="cross-validate instead of training")
    args = parser.parse_args(argv)

    records = read_jsonl(args.data / "scierc" / "scierc_train.jsonl")
    if args.folds:
        result = cross_validate(records, args.folds)
        print(json.dumps({"folds": args.folds, **result}, indent=1))
        return
    train(records, args.out, PARAMS)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(records)} records)")


if __name__ == "__main__":
    main()
