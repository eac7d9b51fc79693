"""Scoring predictions against gold records, exactly as the gold format defines it.

Per field (methods, tasks, datasets, metrics) and per mode (exact, relaxed): one-to-one greedy
matching per record, TP/FP/FN summed over the records where the field is annotated (micro
P/R/F1), and the mean of per-record F1 beside it (macro). Gains match on value; among equal
values a relaxed metric match is preferred; matched pairs are checked for metric, baseline and
dataset agreement where gold states them. The overall figure is the relaxed micro-F1 over the
four string fields together, beside gains F1. Every F1 has a seeded bootstrap 95% interval.

Conventions where the format is silent: 0/0 precision or recall is 0, except that a record
with neither gold nor predicted items scores P = R = F1 = 1. A field (or gains) that no record
annotates is not scored: its P, R and F1 are None, not a perfect score nobody earned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from enrich.core.evalrun import (
    Agreement,
    Bootstrap,
    FieldFigures,
    Figures,
    GainFigures,
    GainValueFigures,
    Interval,
    ModeFigures,
    Overall,
    Prf,
    RecordDetail,
    RecordMatches,
)
from enrich.core.gold import GoldGain, GoldRecord, Labels
from enrich.core.schema import FIELDS
from enrich.core.textmatch import MODES, Mode, greedy_pairs, normalize, similarity
from enrich.core.textmatch import unique_normalized as _unique

ATTRIBUTES = ("metric", "baseline", "dataset")
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 13


@dataclass
class Matches:
    """One record's outcome for one field and mode: the strings behind TP, FP and FN."""

    tp: list[tuple[str, str]] = field(default_factory=list)  # (gold, predicted)
    fp: list[str] = field(default_factory=list)
    fn: list[str] = field(default_factory=list)

    def counts(self) -> tuple[int, int, int]:
        return len(self.tp), len(self.fp), len(self.fn)


@dataclass
class GainMatches:
    """One record's gains: matched pairs with attribute agreement, and the unmatched."""

    tp: list[tuple[GoldGain, GoldGain]] = field(default_factory=list)
    fp: list[GoldGain] = field(default_factory=list)
    fn: list[GoldGain] = field(default_factory=list)
    # attribute -> [agreeing pairs, scored pairs] (pairs whose gold attribute is not null)
    agreement: dict[str, list[int]] = field(default_factory=lambda: {a: [0, 0] for a in ATTRIBUTES})

    def counts(self) -> tuple[int, int, int]:
        return len(self.tp), len(self.fp), len(self.fn)


@dataclass
class RecordScore:
    """Everything scored for one gold record; `None` where gold did not annotate the field."""

    id: str
    fields: dict[str, dict[Mode, Matches] | None]
    gains: GainMatches | None


def match_strings(gold: Sequence[str], predicted: Sequence[str], mode: Mode) -> Matches:
    """One-to-one greedy matching after normalization; duplicates (normalized) count once."""
    g, p = _unique(gold), _unique(predicted)
    pairs = greedy_pairs(len(g), len(p), lambda i, j: similarity(g[i][1], p[j][1], mode))
    got_gold = {i for i, _ in pairs}
    got_pred = {j for _, j in pairs}
    return Matches(
        tp=[(g[i][0], p[j][0]) for i, j in sorted(pairs)],
        fp=[p[j][0] for j in range(len(p)) if j not in got_pred],
        fn=[g[i][0] for i in range(len(g)) if i not in got_gold],
    )


def _values_equal(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _agrees(gold: str | None, predicted: str | None) -> bool:
    if predicted is None:
        return False
    return similarity(normalize(gold or ""), normalize(predicted), "relaxed") > 0.0


def _unique_gains(gains: Sequence[GoldGain]) -> list[GoldGain]:
    seen: set[tuple[float, str]] = set()
    out: list[GoldGain] = []
    for gain in gains:
        key = (round(gain.value, 9), normalize(gain.metric or ""))
        if key not in seen:
            seen.add(key)
            out.append(gain)
    return out


def match_gains(gold: Sequence[GoldGain], predicted: Sequence[GoldGain]) -> GainMatches:
    """Pairs with equal values, preferring a relaxed metric match; attribute agreement."""
    g, p = _unique_gains(gold), _unique_gains(predicted)

    def score(i: int, j: int) -> float:
        if not _values_equal(p[j].value, g[i].value):
            return 0.0
        return 2.0 if g[i].metric and _agrees(g[i].metric, p[j].metric) else 1.0

    pairs = greedy_pairs(len(g), len(p), score)
    result = GainMatches(
        tp=[(g[i], p[j]) for i, j in sorted(pairs)],
        fp=[p[j] for j in range(len(p)) if j not in {b for _, b in pairs}],
        fn=[g[i] for i in range(len(g)) if i not in {a for a, _ in pairs}],
    )
    for gold_gain, pred_gain in result.tp:
        for attribute in ATTRIBUTES:
            wanted = getattr(gold_gain, attribute)
            if wanted is None:
                continue
            result.agreement[attribute][1] += 1
            result.agreement[attribute][0] += _agrees(wanted, getattr(pred_gain, attribute))
    return result


def score_record(record: GoldRecord, predicted: Labels | None) -> RecordScore:
    """Score one record; a missing prediction predicts nothing."""
    fields: dict[str, dict[Mode, Matches] | None] = {}
    for name in FIELDS:
        gold = record.gold.strings(name)
        if gold is None:
            fields[name] = None
            continue
        guess = (predicted.strings(name) if predicted else None) or []
        fields[name] = {mode: match_strings(gold, guess, mode) for mode in MODES}
    gains = None
    if record.gold.gains is not None:
        gains = match_gains(record.gold.gains, (predicted.gains if predicted else None) or [])
    return RecordScore(record.id, fields, gains)


# --- aggregation ---------------------------------------------------------------------------


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall, F1 (see the module docstring for 0/0)."""
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _f1_vectors(counts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """F1 per row of an (n, 3) array of TP, FP, FN (same conventions as `prf`)."""
    tp, fp, fn = counts[:, 0], counts[:, 1], counts[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 1.0)
    return np.asarray(f1)


def _micro(counts: np.ndarray[Any, Any]) -> Prf:
    """Micro P/R/F1 over the records' TP/FP/FN rows; not scored (None) when there are none."""
    if not len(counts):
        return _NOT_SCORED
    tp, fp, fn = (int(x) for x in counts.sum(axis=0))
    p, r, f = prf(tp, fp, fn)
    return Prf(p=p, r=r, f1=f, tp=tp, fp=fp, fn=fn)


class _Bootstrap:
    """Resampled record indices, drawn once and shared by every figure (seeded)."""

    def __init__(self, n: int, samples: int, seed: int) -> None:
        self.n = n
        rng = np.random.default_rng(seed)
        # Multiplicities of each record per resample, in chunks to bound memory.
        self.weights = (
            [
                rng.multinomial(n, np.full(n, 1.0 / n), size=min(100, samples - start))
                for start in range(0, samples, 100)
            ]
            if n
            else []
        )

    def interval(self, counts: np.ndarray[Any, Any], rows: np.ndarray[Any, Any]) -> Interval:
        """95% interval of micro-F1 over the records in `rows` (an index array into `counts`,
        which has one TP/FP/FN row per record)."""
        if not self.weights or not len(rows):
            return ()
        sums = np.concatenate([w[:, rows] @ counts[rows] for w in self.weights])
        f1 = _f1_vectors(sums.astype(float))
        low, high = np.percentile(f1, [2.5, 97.5])
        return (round(float(low), 4), round(float(high), 4))


_NOT_SCORED = Prf(p=None, r=None, f1=None, tp=0, fp=0, fn=0)


def _counts(rows: Sequence[tuple[int, int, int]]) -> np.ndarray[Any, Any]:
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def summarize(
    scores: Sequence[RecordScore], *, samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED
) -> Figures:
    """The figures of an eval: per field exact/relaxed micro and macro, gains, overall, CIs."""
    boot = _Bootstrap(len(scores), samples, seed)
    fields: dict[str, FieldFigures] = {}
    overall_rows = {mode: np.zeros((len(scores), 3), dtype=np.int64) for mode in MODES}
    for name in FIELDS:
        annotated = [i for i, s in enumerate(scores) if s.fields[name] is not None]
        rows = np.array(annotated, dtype=np.int64)
        per_mode: dict[str, ModeFigures] = {}
        for mode in MODES:
            per_record = []
            for i in annotated:
                matches = scores[i].fields[name]
                assert matches is not None
                per_record.append(matches[mode].counts())
            counts = _counts(per_record)
            full = np.zeros((len(scores), 3), dtype=np.int64)
            if annotated:
                full[rows] = counts
                overall_rows[mode][rows] += counts
            per_mode[mode] = ModeFigures(
                **dict(_micro(counts)),
                macro_f1=float(_f1_vectors(counts.astype(float)).mean()) if annotated else None,
                f1_ci=boot.interval(full, rows),
            )
        fields[name] = FieldFigures(
            n_records=len(annotated), exact=per_mode["exact"], relaxed=per_mode["relaxed"]
        )
    gain_rows = [i for i, s in enumerate(scores) if s.gains is not None]
    gain_counts = np.zeros((len(scores), 3), dtype=np.int64)
    agreement = {a: [0, 0] for a in ATTRIBUTES}
    for i in gain_rows:
        gm = scores[i].gains
        assert gm is not None
        gain_counts[i] = gm.counts()
        for attribute in ATTRIBUTES:
            agreement[attribute][0] += gm.agreement[attribute][0]
            agreement[attribute][1] += gm.agreement[attribute][1]
    gain_idx = np.array(gain_rows, dtype=np.int64)
    gain_value = _micro(gain_counts[gain_idx])
    gains = GainFigures(
        n_records=len(gain_rows),
        value=GainValueFigures(**dict(gain_value), f1_ci=boot.interval(gain_counts, gain_idx)),
        agreement={
            a: Agreement(share=ok / n if n else None, agree=ok, scored=n)
            for a, (ok, n) in agreement.items()
        },
    )
    any_field = np.array(
        [i for i, s in enumerate(scores) if any(s.fields[f] is not None for f in FIELDS)],
        dtype=np.int64,
    )
    overall = _micro(overall_rows["relaxed"][any_field])
    overall_figures = Overall(
        relaxed_micro_f1=overall.f1,
        relaxed_micro_f1_ci=boot.interval(overall_rows["relaxed"], any_field),
        exact_micro_f1=_micro(overall_rows["exact"][any_field]).f1,
        exact_micro_f1_ci=boot.interval(overall_rows["exact"], any_field),
        p=overall.p,
        r=overall.r,
        gains_f1=gain_value.f1,
    )
    return Figures(
        overall=overall_figures,
        fields=fields,
        gains=gains,
        n_records=len(scores),
        bootstrap=Bootstrap(samples=samples, seed=seed),
    )


def record_details(score: RecordScore, mode: Mode = "relaxed") -> RecordDetail:
    """Per-record TP/FP/FN with the strings (for saved runs and comparisons)."""
    fields: dict[str, RecordMatches] = {}
    for name in FIELDS:
        per_mode = score.fields[name]
        if per_mode is None:
            continue
        matches = per_mode[mode]
        fields[name] = RecordMatches(
            tp=tuple(matches.tp), fp=tuple(matches.fp), fn=tuple(matches.fn)
        )
    if score.gains is not None:

        def show(g: GoldGain) -> str:
            return f"{g.value:g}{g.unit or ''} {g.metric or ''}".strip()

        fields["gains"] = RecordMatches(
            tp=tuple((show(a), show(b)) for a, b in score.gains.tp),
            fp=tuple(show(g) for g in score.gains.fp),
            fn=tuple(show(g) for g in score.gains.fn),
        )
    return RecordDetail(id=score.id, fields=fields)


def score_all(
    records: Sequence[GoldRecord], predictions: Mapping[str, Labels]
) -> list[RecordScore]:
    return [score_record(r, predictions.get(r.id)) for r in records]
