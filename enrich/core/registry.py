"""The extracted name fields, declared once: what each one is called, how the offline tagger
labels it, and where the review outputs show it. The schema (`core/schema.py`), grounding,
scoring, the tables and SQLite, `enrich show`, report.html and summary.md read this list;
adding a field starts here (and in the schema's models, which a test keeps in step with it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    """One extracted name field."""

    name: str  # the key in answers, records, gold files and table names: "methods"
    label: str  # one item, in headings and filters: "method"
    heading: str  # its summary.md section
    tagger_type: str  # the offline tagger's entity type
    has_role: bool = False  # items carry a role (proposed / baseline / used)
    facet: bool = False  # a report.html filter
    shown: bool = False  # a column of `enrich show`'s table
    gain_column: str | None = None  # a gains column a filter on this field also matches


EXTRACTED: tuple[FieldSpec, ...] = (
    FieldSpec("methods", "method", "Proposed methods", "MET", has_role=True, facet=True,
              shown=True),
    FieldSpec("tasks", "task", "Tasks", "TASK"),
    FieldSpec("datasets", "dataset", "Datasets", "DATA", facet=True, shown=True,
              gain_column="dataset_canonical"),
    FieldSpec("metrics", "metric", "Metrics", "METRIC", shown=True,
              gain_column="metric_canonical"),
)  # fmt: skip
FIELDS: tuple[str, ...] = tuple(spec.name for spec in EXTRACTED)
BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in EXTRACTED}
# summary.md lists the plain name fields first, then those with roles (their proposed items)
SUMMARY_ORDER: tuple[FieldSpec, ...] = tuple(sorted(EXTRACTED, key=lambda spec: spec.has_role))
