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
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MethodRole = Literal["proposed", "baseline", "used"]
GainKind = Literal["delta", "score", "ratio"]
MatchKind = Literal["exact", "normalized", "fuzzy", "clause"]
FIELDS = ("methods", "tasks", "datasets", "metrics")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelMethod(_Strict):
    name: str = Field(description="the method's name as written in the abstract")
    role: MethodRole = Field(
        description="proposed: introduced by this paper; baseline: compared against; used: "
        "built on or applied"
    )


class ModelGain(_Strict):
    metric: str | None = Field(description="the evaluation measure, as written")
    value: float = Field(description="the number without its unit: '+5.3%' -> 5.3")
    unit: str | None = Field(description="'%', 'pp', 'x', 'points', another short unit, or null")
    kind: GainKind = Field(
        description="delta: improvement/reduction vs something; score: absolute result; "
        "ratio: speed-up or size ratio"
    )
    baseline: str | None = Field(description="what it is compared with, when stated")
    baseline_value: float | None = Field(description="the baseline's number, when stated")
    dataset: str | None = Field(description="the dataset or benchmark, when stated")
    text: str = Field(description="the shortest exact substring of the abstract stating the claim")


class ModelExtraction(_Strict):
    """The structured output requested from a backend for one abstract."""

    summary: str = Field(description="one sentence: what the paper proposes or finds")
    methods: list[ModelMethod]
    tasks: list[str]
    datasets: list[str]
    metrics: list[str]
    gains: list[ModelGain]


class Span(_Strict):
    """Character offsets [start, end) into the abstract, and how the text was matched ("clause":
    a gain whose quote was not found, grounded by the clause that states its number)."""

    start: int
    end: int
    match: MatchKind


class Item(_Strict):
    """A grounded string item (a task, dataset or metric): `text` is the abstract's own words."""

    name: str
    text: str
    span: Span


class Method(Item):
    role: MethodRole


class Gain(ModelGain):
    span: Span


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


@cache
def output_schema() -> dict[str, Any]:
    """The JSON schema of `ModelExtraction` sent to the model (built once; do not mutate)."""
    return ModelExtraction.model_json_schema()


def schema_hash() -> str:
    """Content hash of the output schema: part of every cache key."""
    canonical = json.dumps(output_schema(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
