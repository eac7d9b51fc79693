"""Gold (hand-labeled) records and predictions in the gold format, parsed and checked.

Pure: functions take the text of a JSON Lines file and return records or problems with their
line numbers; reading files and printing belong to the callers.
A gold field that is `null` or absent was not annotated and is not scored; `[]` is annotated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from enrich.core.grounding import value_in_text
from enrich.core.schema import FIELDS, GainKind

GOLD_FIELDS = (*FIELDS, "gains")


class GoldGain(BaseModel):
    """One claimed result; every attribute but `value` may be null (not stated)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str | None = None
    value: float
    unit: str | None = None
    kind: GainKind | None = None
    baseline: str | None = None
    baseline_value: float | None = None
    dataset: str | None = None
    text: str | None = None


class Labels(BaseModel):
    """The five labeled fields of one abstract; `None` means not annotated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    methods: list[str] | None = None
    tasks: list[str] | None = None
    datasets: list[str] | None = None
    metrics: list[str] | None = None
    gains: list[GoldGain] | None = None

    def strings(self, field: str) -> list[str] | None:
        value: list[str] | None = getattr(self, field)
        return value


class GoldRecord(BaseModel):
    """One line of a gold file: extra top-level keys (split, source, ...) are kept, unscored."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    title: str | None = None
    abstract: str
    gold: Labels


@dataclass(frozen=True)
class Problem:
    """Something wrong with one line of a gold file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class GoldFormatError(ValueError):
    """A gold file that cannot be scored; `problem` names the line."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _describe(err: ValidationError) -> str:
    first = err.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown field {where!r}"
    return f"{where}: {first['msg']}" if where else first["msg"]


def _lines(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def _parse(number: int, line: str) -> GoldRecord:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldFormatError(Problem(number, f"not JSON ({exc.msg})")) from None
    if not isinstance(raw, dict):
        raise GoldFormatError(Problem(number, "not a JSON object"))
    try:
        return GoldRecord.model_validate(raw)
    except ValidationError as err:
        raise GoldFormatError(Problem(number, _describe(err))) from None


def parse_gold(text: str) -> list[GoldRecord]:
    """Every record of a gold file; raises `GoldFormatError` at the first unreadable line."""
    records: list[GoldRecord] = []
    seen: dict[str, int] = {}
    for number, line in _lines(text):
        record = _parse(number, line)
        if record.id in seen:
            raise GoldFormatError(
                Problem(number, f"duplicate id {record.id!r} (first on line {seen[record.id]})")
            )
        seen[record.id] = number
        records.append(record)
    return records


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_gold(text: str, example_texts: Iterable[str] = ()) -> list[Problem]:
    """All problems of a gold file: the format's rules, and overlap with few-shot examples."""
    problems: list[Problem] = []
    examples = {_squash(t) for t in example_texts}
    seen: dict[str, int] = {}
    for number, line in _lines(text):
        try:
            record = _parse(number, line)
        except GoldFormatError as err:
            problems.append(err.problem)
            continue
        if record.id in seen:
            problems.append(
                Problem(number, f"duplicate id {record.id!r} (first on line {seen[record.id]})")
            )
        seen.setdefault(record.id, number)
        if _squash(record.abstract) in examples:
            problems.append(Problem(number, f"{record.id}: is a few-shot example in the prompts"))
        for i, gain in enumerate(record.gold.gains or []):
            where = f"{record.id}: gains[{i}]"
            if gain.text is None:
                problems.append(Problem(number, f"{where}: text is missing"))
                continue
            if gain.text not in record.abstract:
                problems.append(
                    Problem(number, f"{where}: text {gain.text!r} is not in the abstract")
                )
            if not value_in_text(gain.value, gain.text):
                problems.append(
                    Problem(number, f"{where}: value {gain.value:g} does not occur in its text")
                )
    return problems


# --- predictions ---------------------------------------------------------------------------


def _item_string(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        for key in ("name", "text", "value"):
            value = item.get(key)
            if isinstance(value, str):
                return value
    return None


def _gain(item: Any) -> GoldGain | None:
    if not isinstance(item, Mapping):
        return None
    known = {key: item.get(key) for key in GoldGain.model_fields if key in item}
    try:
        return GoldGain.model_validate(known)
    except ValidationError:
        return None


def labels_from_record(record: Mapping[str, Any]) -> Labels:
    """The five fields of a prediction record: at top level, under `gold`, or under `extraction`
    (as in papers.jsonl: methods as {name, role, ...}). A missing field predicts nothing."""
    source: Mapping[str, Any] = record
    for key in ("extraction", "gold"):
        nested = record.get(key)
        if isinstance(nested, Mapping):
            source = nested
            break
    fields: dict[str, Any] = {}
    for field in FIELDS:
        values = source.get(field) or []
        strings = [_item_string(v) for v in values] if isinstance(values, list) else []
        fields[field] = [s for s in strings if s]
    gains = source.get("gains") or []
    parsed = [_gain(g) for g in gains] if isinstance(gains, list) else []
    fields["gains"] = [g for g in parsed if g is not None]
    return Labels.model_validate(fields)


def parse_predictions(text: str) -> dict[str, Labels]:
    """Predictions by id from a JSON Lines file; raises `GoldFormatError` on a bad line."""
    out: dict[str, Labels] = {}
    for number, line in _lines(text):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFormatError(Problem(number, f"not JSON ({exc.msg})")) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise GoldFormatError(Problem(number, "not a JSON object with a string id"))
        out[raw["id"]] = labels_from_record(raw)
    return out
