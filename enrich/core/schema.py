"""What extraction produces.

`ModelExtraction` is what a backend returns for one abstract: plain strings, no offsets. It is
also the JSON schema sent to the model, so every field is required and nothing extra is allowed
(the shape strict structured outputs demand). Grounding turns it into an `Extraction`, where
every kept item carries the character span of the abstract that supports it and everything that
could not be located is listed under `ungrounded` instead of being silently kept.
The gain fields are exactly those of the gold format (GOLD_FORMAT.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from enrich.core.registry import EXTRACTED
from enrich.core.registry import FIELDS as REGISTERED_FIELDS

MethodRole = Literal["proposed", "baseline", "used"]
GainKind = Literal["delta", "score", "ratio"]
Source = Literal["model", "rules"]  # who found an item: the backend, or a deterministic rule
GainSource = Source
GainPolicy = Literal["model", "rules", "both"]
ItemPolicy = Literal["model", "both"]
MatchKind = Literal["exact", "normalized", "fuzzy", "clause"]
# The extracted item fields, in display order: the one declaration every other module reads
# (tables, grounding, prompt checks, the report, `show`, scoring). Methods carry a role; the
# others are plain names.
FIELDS = REGISTERED_FIELDS  # the models below declare one list per registered field
NAME_FIELDS = tuple(spec.name for spec in EXTRACTED if not spec.has_role)  # plain strings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelMethod(_Strict):
    name: str = Field(description="the method's name as written in the abstract")
    role: MethodRole = Field(
        description="proposed: introduced by this paper; baseline: compared against; used: "
        "built on or applied"
    )


class ModelGain(_Strict):
    """A claimed result. The quote comes first, so a model copies the evidence before it reads
    the number off it; attributes that are not stated may be left out (they default to null),
    which keeps answers short."""

    text: str = Field(description="the shortest exact substring of the abstract stating the claim")
    value: float = Field(description="the number without its unit: '+5.3%' -> 5.3")
    kind: GainKind = Field(
        description="delta: improvement/reduction vs something; score: absolute result; "
        "ratio: speed-up or size ratio"
    )
    unit: str | None = Field(
        default=None, description="'%', 'pp', 'x', 'points', another short unit, or null"
    )
    metric: str | None = Field(default=None, description="the evaluation measure, as written")
    dataset: str | None = Field(default=None, description="the dataset or benchmark, when stated")
    baseline: str | None = Field(default=None, description="what it is compared with, when stated")
    baseline_value: float | None = Field(
        default=None, description="the baseline's number, when stated"
    )


class ModelExtraction(_Strict):
    """The structured output requested from a backend for one abstract."""

    summary: str = Field(description="one sentence: what the paper proposes or finds")
    methods: list[ModelMethod]
    tasks: list[str]
    datasets: list[str]
    metrics: list[str]
    gains: list[ModelGain]


# Bounds on an answer, enforced by grammar where a server constrains JSON mode with the schema
# (llama.cpp): a small model that starts repeating itself stops at a bound instead of running
# on to max_tokens. Generous next to what our labeled abstracts hold (at most 14 methods,
# 6 tasks, 7 datasets, 8 metrics, 9 gains).
ANSWER_BOUNDS: dict[str, int] = {
    "summary": 400, "name": 120, "methods": 16, "tasks": 8, "datasets": 10, "metrics": 10,
    "gains": 10, "text": 300,
}  # fmt: skip


class Span(_Strict):
    """Character offsets [start, end) into the abstract, and how the text was matched ("clause":
    a gain whose quote was not found, grounded by the clause that states its number)."""

    start: int
    end: int
    match: MatchKind


class Item(_Strict):
    """A grounded string item (a task, dataset or metric): `text` is the abstract's own words.
    `source` is "rules" for an item a rule added to an LLM's answer (`pipeline.rule_items`)."""

    name: str
    text: str
    span: Span
    source: Source = "model"


class Method(Item):
    role: MethodRole


class Gain(ModelGain):
    """A grounded gain, and who found it: the model, or the deterministic gain rules
    (`enrich.offline.gains`) run beside it."""

    span: Span
    source: GainSource = "model"


class Ungrounded(_Strict):
    """An extracted item that the abstract does not support, and why."""

    field: str
    value: str
    reason: str


class Extraction(_Strict):
    """A grounded extraction of one abstract."""

    summary: str
    methods: list[Method] = Field(default_factory=list)
    tasks: list[Item] = Field(default_factory=list)
    datasets: list[Item] = Field(default_factory=list)
    metrics: list[Item] = Field(default_factory=list)
    gains: list[Gain] = Field(default_factory=list)
    ungrounded: list[Ungrounded] = Field(default_factory=list)
    # gain attributes the abstract does not support, removed from kept gains ("gains.metric")
    cleared: list[Ungrounded] = Field(default_factory=list)
    # items found in the abstract that name nothing in particular (`core/convention.py`)
    rejected: list[Ungrounded] = Field(default_factory=list)


def _all_required(node: Any) -> Any:
    """Strict structured outputs want every property required (optional ones nullable)."""
    if isinstance(node, dict):
        node = {key: _all_required(value) for key, value in node.items()}
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
        for value in node.get("properties", {}).values():
            value.pop("default", None)
        return node
    if isinstance(node, list):
        return [_all_required(value) for value in node]
    return node


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema as strict structured outputs want it (every property required)."""
    schema: dict[str, Any] = _all_required(model.model_json_schema())
    return schema


@cache
def output_schema() -> dict[str, Any]:
    """The strict JSON schema of `ModelExtraction` for `json_schema` response formats (built
    once; do not mutate)."""
    return strict_schema(ModelExtraction)


def _bounded(node: Any, bounds: Mapping[str, int], key: str = "") -> Any:
    """Bound every array by its field's entry and every string by its own or by `name`'s."""
    if isinstance(node, list):
        return [_bounded(value, bounds, key) for value in node]
    if not isinstance(node, dict):
        return node
    bounded: dict[str, Any] = {}
    for name, value in node.items():
        if name == "properties":
            bounded[name] = {prop: _bounded(sub, bounds, prop) for prop, sub in value.items()}
        elif name == "items":
            bounded[name] = _bounded(value, bounds, "name")
        elif name in ("anyOf", "$defs"):
            bounded[name] = (
                _bounded(value, bounds, key)
                if name == "anyOf"
                else {k: _bounded(v, bounds) for k, v in value.items()}
            )
        else:
            bounded[name] = value
    if bounded.get("type") == "array" and key in bounds:
        bounded["maxItems"] = bounds[key]
    elif bounded.get("type") == "string" and "enum" not in bounded:
        bounded["maxLength"] = bounds.get(key, bounds["name"])
    return bounded


def bounded_schema(model: type[BaseModel], bounds: Mapping[str, int]) -> dict[str, Any]:
    """`model`'s JSON schema for JSON mode with every list and string bounded: arrays by their
    field's entry in `bounds`, strings by theirs or by `bounds["name"]` (list items too)."""
    schema: dict[str, Any] = _bounded(model.model_json_schema(), bounds)
    return schema


@cache
def grammar_schema() -> dict[str, Any]:
    """The schema for JSON mode, which llama.cpp turns into a grammar: unstated gain attributes
    may be left out, and lists and strings are bounded (`ANSWER_BOUNDS`)."""
    return bounded_schema(ModelExtraction, ANSWER_BOUNDS)


def schema_hash() -> str:
    """Content hash of both output schemas: part of every cache key."""
    both = [output_schema(), grammar_schema()]
    canonical = json.dumps(both, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
