"""Scoring rules of the gold format, on small cases computed by hand."""

from __future__ import annotations

from typing import Any

import pytest

from enrich.core.gold import GoldGain, GoldRecord, Labels
from enrich.core.scoring import match_gains, match_strings, prf, score_all, summarize
from enrich.core.textmatch import normalize, relaxed_match, similarity


def record(rid: str, **gold: Any) -> GoldRecord:
    return GoldRecord(id=rid, abstract="text", gold=Labels.model_validate(gold))


def labels(**fields: Any) -> Labels:
    return Labels.model_validate(fields)


def gain(value: float, metric: str | None = None, **rest: Any) -> GoldGain:
    return GoldGain(value=value, metric=metric, **rest)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The ImageNet-1k", "imagenet 1k"),
        ("  F1-score (macro) ", "f1 score macro"),
        ("an_object detection", "object detection"),
        ("A", "a"),  # a lone article is kept
        ("\uff26\uff11", "f1"),  # NFKC: full-width letters and digits
        ("state-of-the-art", "state of the art"),
        ("\u201cBLEU\u201d.", "bleu"),
        ("CNN/Daily Mail", "cnn daily mail"),  # punctuation splits, never joins
        ("NIST04/NIST05", "nist04 nist05"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_exact_versus_relaxed() -> None:
    # token-set F1 of {object, detection} vs {3d, object, detection}: 2*2/(2+3) = 0.8
    assert similarity("object detection", "3d object detection", "relaxed") == pytest.approx(0.8)
    assert similarity("object detection", "3d object detection", "exact") == 0.0
    # below 0.5 token F1, but whole-token containment still matches
    assert relaxed_match("BERT", "pre-trained BERT model with adapters")
    # partial-token containment does not
    assert not relaxed_match("BER", "BERT model")
    # 1 shared token of 2 and 3: F1 = 2/5 = 0.4, no containment
    assert not relaxed_match("image retrieval", "image caption generation")


def test_one_to_one_greedy_matching_prefers_the_closest_pair() -> None:
    # "object detection" could match either gold item relaxed; the exact one is taken first,
    # so the other gold item stays unmatched rather than both gold items using one prediction.
    m = match_strings(["object detection", "3d object detection"], ["object detection"], "relaxed")
    assert m.tp == [("object detection", "object detection")]
    assert m.fn == ["3d object detection"] and m.fp == []


def test_duplicate_predictions_count_once() -> None:
    m = match_strings(["SQuAD"], ["SQuAD", "squad", "the SQuAD"], "exact")
    assert m.counts() == (1, 0, 0)
    m = match_strings(["SQuAD"], ["GLUE", "glue"], "exact")
    assert m.counts() == (0, 1, 1)


def test_null_fields_are_not_scored_and_empty_ones_are() -> None:
    records = [
        record("a", methods=["BERT"], tasks=None),  # tasks not annotated
        record("b", methods=[], tasks=["parsing"]),
    ]
    preds = {"a": labels(methods=["BERT"], tasks=["junk"]), "b": labels(methods=["GPT"])}
    figures = summarize(score_all(records, preds), samples=50)
    tasks = figures.fields["tasks"]
    assert tasks.n_records == 1  # record a's "junk" is not a false positive
    assert (tasks.exact.tp, tasks.exact.fp, tasks.exact.fn) == (0, 0, 1)
    methods = figures.fields["methods"].exact
    # a: TP; b: annotated empty, so "GPT" is a false positive
    assert (methods.tp, methods.fp, methods.fn) == (1, 1, 0)
    assert methods.p == 0.5 and methods.r == 1.0
    # macro: record a F1 = 1, record b F1 = 0 -> 0.5; micro F1 = 2*0.5*1/1.5
    assert methods.macro_f1 == pytest.approx(0.5)
    assert methods.f1 == pytest.approx(2 / 3)


def test_a_field_no_record_annotates_is_not_scored() -> None:
    records = [record("a", methods=["BERT"], datasets=None), record("b", methods=[], datasets=None)]
    preds = {"a": labels(methods=["BERT"], datasets=["SQuAD"]), "b": labels()}
    figures = summarize(score_all(records, preds), samples=20)
    datasets = figures.fields["datasets"]
    assert datasets.n_records == 0
    for scored in (datasets.exact, datasets.relaxed):
        assert scored.p is scored.r is scored.f1 is None
        assert scored.macro_f1 is None and scored.f1_ci == ()
    assert figures.fields["methods"].relaxed.f1 == 1.0
    assert figures.gains.value.f1 is None  # no record annotates gains either
    assert figures.overall.gains_f1 is None
    assert figures.overall.relaxed_micro_f1 == 1.0


def test_macro_differs_from_micro() -> None:
    records = [
        record("a", datasets=["MNLI", "SST", "QQP", "RTE"]),
        record("b", datasets=["CoLA"]),
    ]
    preds = {"a": labels(datasets=["MNLI", "SST", "QQP", "RTE"]), "b": labels(datasets=["X"])}
    d = summarize(score_all(records, preds), samples=20).fields["datasets"].exact
    assert (d.tp, d.fp, d.fn) == (4, 1, 1)
    assert d.f1 == pytest.approx(0.8)  # micro: p = r = 4/5
    assert d.macro_f1 == pytest.approx(0.5)  # (1 + 0) / 2


def test_a_record_with_nothing_on_either_side_scores_one() -> None:
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
    assert prf(0, 0, 3) == (0.0, 0.0, 0.0)
    assert prf(0, 2, 0) == (0.0, 0.0, 0.0)


def test_gain_values_match_with_tolerance_and_prefer_the_metric() -> None:
    gold = [gain(5.3, "accuracy", dataset="SST-2", baseline="BERT"), gain(5.3, "F1")]
    predicted = [gain(5.3000001, "F1 score"), gain(5.3, "accuracy", dataset="SST2"), gain(7.0)]
    m = match_gains(gold, predicted)
    assert m.counts() == (2, 1, 0)
    pairs = {(g.metric, p.metric) for g, p in m.tp}
    assert pairs == {("accuracy", "accuracy"), ("F1", "F1 score")}
    # accuracy pair: dataset "SST-2" vs "SST2": normalized "sst 2" vs "sst2" -> no match
    assert m.agreement["metric"] == [2, 2]
    assert m.agreement["dataset"] == [0, 1]  # only one gold gain states a dataset
    assert m.agreement["baseline"] == [0, 1]  # predicted baseline is null: disagreement


def test_gains_summary_and_overall() -> None:
    records = [
        record("a", methods=["X"], tasks=[], datasets=[], metrics=["BLEU"], gains=[gain(2.0)]),
        record("b", methods=["Y"], gains=None),
    ]
    preds = {
        "a": labels(methods=["X"], metrics=["BLEU", "chrF"], gains=[gain(2.0), gain(3.0)]),
        "b": labels(methods=["Z"], gains=[gain(1.0)]),
    }
    figures = summarize(score_all(records, preds), samples=20)
    value = figures.gains.value
    assert figures.gains.n_records == 1  # b's gains are not annotated
    assert (value.tp, value.fp, value.fn) == (1, 1, 0)
    # overall relaxed over four fields: TP = X, BLEU (2); FP = chrF, Z (2); FN = Y (1)
    overall = figures.overall
    assert overall.p == pytest.approx(0.5) and overall.r == pytest.approx(2 / 3)
    assert overall.relaxed_micro_f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert overall.gains_f1 == pytest.approx(2 / 3)
    assert overall.exact_micro_f1 == pytest.approx(overall.relaxed_micro_f1)  # all exact


def test_missing_prediction_predicts_nothing() -> None:
    figures = summarize(score_all([record("a", tasks=["parsing"])], {}), samples=10)
    assert figures.fields["tasks"].exact.fn == 1


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate() -> None:
    records = [record(str(i), tasks=["t", "u"]) for i in range(40)]
    preds = {str(i): labels(tasks=["t"] if i % 3 else ["t", "u", "v"]) for i in range(40)}
    scores = score_all(records, preds)
    first = summarize(scores, samples=200, seed=1).fields["tasks"].exact
    again = summarize(scores, samples=200, seed=1).fields["tasks"].exact
    other = summarize(scores, samples=200, seed=2).fields["tasks"].exact
    assert first.f1_ci == again.f1_ci
    assert first.f1_ci != other.f1_ci
    low, high = first.f1_ci
    assert first.f1 is not None and low < first.f1 < high and high - low < 0.3
