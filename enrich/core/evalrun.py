"""An eval run, typed: the figures `core/scoring.py` computes, what produced the predictions, the
per-record outcomes, and the comparison of two runs.

A saved run is one flat JSON object (what produced the predictions and the engine's figures sit
beside `overall`, `fields`, `gains` and `records`), the layout every run in eval/runs has, so old
and new runs stay comparable and scripts reading the files keep working. In Python the source and
the engine figures are models of their own (`run.source`, `run.engine`); the validator and the
serializer below translate between the two shapes. Keys an older or newer run has and these
models lack are ignored on read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from enrich.core.gold import GOLD_FIELDS
from enrich.core.schema import GainPolicy, ItemPolicy

# A 95% bootstrap interval (low, high); empty when there was nothing to resample.
Interval = tuple[float, ...]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# --- figures -------------------------------------------------------------------------------


class Prf(_Frozen):
    """Micro precision, recall and F1 with the counts behind them; P, R and F1 are None where
    no record was annotated (not scored)."""

    p: float | None
    r: float | None
    f1: float | None
    tp: int
    fp: int
    fn: int


class ModeFigures(Prf):
    """One field in one matching mode (exact or relaxed)."""

    macro_f1: float | None  # mean of per-record F1
    f1_ci: Interval


class GainValueFigures(Prf):
    """Gains matched on their value."""

    f1_ci: Interval


class FieldFigures(_Frozen):
    n_records: int  # records annotating the field
    exact: ModeFigures
    relaxed: ModeFigures

    def by_mode(self) -> dict[str, ModeFigures]:
        return {"exact": self.exact, "relaxed": self.relaxed}


class Agreement(_Frozen):
    """How often matched gains agree on one attribute where gold states it."""

    share: float | None
    agree: int
    scored: int


class GainFigures(_Frozen):
    n_records: int
    value: GainValueFigures
    agreement: dict[str, Agreement]  # by attribute: metric, baseline, dataset


class Overall(_Frozen):
    """The four name fields together (relaxed and exact micro-F1), beside gains F1."""

    relaxed_micro_f1: float | None
    relaxed_micro_f1_ci: Interval
    exact_micro_f1: float | None
    exact_micro_f1_ci: Interval
    p: float | None
    r: float | None
    gains_f1: float | None


class Bootstrap(_Frozen):
    samples: int
    seed: int


class Figures(_Frozen):
    """What `summarize` computes over a set of scored records."""

    overall: Overall
    fields: dict[str, FieldFigures]  # by field name (core/registry.py)
    gains: GainFigures
    n_records: int
    bootstrap: Bootstrap


# --- per-record outcomes ---------------------------------------------------------------------


class RecordMatches(_Frozen):
    """One record's field: (gold, predicted) pairs matched, false positives, false negatives."""

    tp: tuple[tuple[str, str], ...]
    fp: tuple[str, ...]
    fn: tuple[str, ...]


class RecordDetail(_Frozen):
    """One record's relaxed outcome per annotated field (gains as "5.3% accuracy" strings).
    Saved flat, `{"id": ..., "methods": {...}, ...}`; a field gold leaves unannotated is absent."""

    id: str
    fields: dict[str, RecordMatches]  # by gold field name, in GOLD_FIELDS order

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "fields" in data:
            return data
        return {"id": data.get("id"), "fields": {f: data[f] for f in GOLD_FIELDS if f in data}}

    @model_serializer(mode="wrap")
    def _flatten(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        nested: dict[str, Any] = handler(self)
        return {"id": nested["id"], **nested["fields"]} if "fields" in nested else nested

    def matches(self, field: str) -> RecordMatches | None:
        return self.fields.get(field)


# --- what produced the predictions -----------------------------------------------------------


def _without_absent(nested: dict[str, Any], optional: frozenset[str]) -> dict[str, Any]:
    """Drop the optional keys that are None: a run never had them (as before typed runs)."""
    return {k: v for k, v in nested.items() if v is not None or k not in optional}


_SOURCE_OPTIONAL = frozenset(
    ["schema_hash", "gains_policy", "metrics_policy", "items_policy", "predictions_file"]
)


class EvalSource(_Frozen):
    """The backend, model and prompt behind the predictions, or the predictions file scored
    instead (`backend` "predictions"). Optional keys that are None are not written."""

    backend: str
    model: str | None
    prompt_hash: str | None
    schema_hash: str | None = None
    gains_policy: GainPolicy | None = None
    # the first form of items_policy (rules added metrics only); read by bench/eval_table.py
    metrics_policy: Literal["model", "both"] | None = None
    items_policy: ItemPolicy | None = None  # runs before the policy existed lack it
    predictions_file: str | None = None

    @model_serializer(mode="wrap")
    def _written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_absent(handler(self), _SOURCE_OPTIONAL)


class EngineFigures(_Frozen):
    """What extracting the gold abstracts cost and kept (runs scored from a file have none)."""

    failures: dict[str, str]  # gold id -> why its extraction failed
    requests: int
    cache_hits: int
    retries: int
    reasks: int
    items_kept: int
    items_ungrounded: int
    items_rejected: int | None = None  # runs before rejection existed lack it
    ungrounded_share: float | None
    prompt_tokens: int
    completion_tokens: int
    wall_seconds: float
    seconds_per_abstract: float | None  # None when every answer came from the cache

    @model_serializer(mode="wrap")
    def _written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_absent(handler(self), frozenset(["items_rejected"]))


# --- a saved run -----------------------------------------------------------------------------

# The saved file's top level, in order; `source` and `engine` are spliced in flat.
_LAYOUT = ("run_id", "date", "source", "engine", "gold_files", "gold_hash", "overall", "fields",
           "gains", "n_records", "bootstrap", "missing_predictions", "records")  # fmt: skip
_SPLICED: dict[str, type[_Frozen]] = {"source": EvalSource, "engine": EngineFigures}


class EvalRun(Figures):
    """Everything a saved run holds: its figures, what produced the predictions, the gold files
    and the per-record outcomes a comparison reads."""

    run_id: str
    date: str  # ISO 8601, UTC, to the millisecond
    source: EvalSource
    engine: EngineFigures | None = None
    gold_files: tuple[str, ...]
    gold_hash: str  # content hash of the gold files: runs on the same gold compare cleanly
    missing_predictions: int
    records: tuple[RecordDetail, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        """A saved (flat) run: gather the source's and the engine's keys into their models."""
        if not isinstance(data, dict) or "source" in data:
            return data
        nested = dict(data)
        for name, model in _SPLICED.items():
            nested[name] = {key: nested.pop(key) for key in model.model_fields if key in nested}
        nested["engine"] = nested["engine"] or None  # scored from a file: nothing extracted
        return nested

    @model_serializer(mode="wrap")
    def _flatten(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        nested: dict[str, Any] = handler(self)
        flat: dict[str, Any] = {}
        for key in _LAYOUT:
            if key in _SPLICED:
                flat.update(nested.get(key) or {})
            elif key in nested:
                flat[key] = nested[key]
        return flat


# --- comparing two runs ----------------------------------------------------------------------


class RecordChange(_Frozen):
    """A record whose outcome on one field changed between two runs."""

    id: str
    field: str
    gained: tuple[str, ...]  # gold items found now, missed before
    lost: tuple[str, ...]
    new_false_positives: tuple[str, ...]
    fixed_false_positives: tuple[str, ...]


class Comparison(_Frozen):
    previous_run_id: str
    deltas: dict[str, float | None]  # headline F1, current - previous; None if either is
    changed: tuple[RecordChange, ...]
    same_gold: bool
