"""The extracted fields are declared once (`core/registry.py`); what cannot read the list (the
schema's pydantic models, the tagger's trained labels) is checked against it."""

from __future__ import annotations

from enrich.core.registry import EXTRACTED, FIELDS, SUMMARY_ORDER
from enrich.core.schema import Extraction, ModelExtraction, output_schema
from enrich.offline.tagger import FIELD_OF_TYPE, EntityTagger
from enrich.review.html_report import FACETS
from enrich.review.tabular import INDEXES, _columns


def test_the_schema_declares_one_list_per_registered_field() -> None:
    assert set(ModelExtraction.model_fields) == {"summary", *FIELDS, "gains"}
    assert set(output_schema()["properties"]) == {"summary", *FIELDS, "gains"}
    for spec in EXTRACTED:
        item = Extraction.model_fields[spec.name].annotation
        assert ("role" in item.__args__[0].model_fields) is spec.has_role  # type: ignore[union-attr]


def test_the_tagger_labels_every_registered_field() -> None:
    labels = {label.split("-", 1)[1] for label in EntityTagger.load()._chain.labels if "-" in label}
    assert {spec.tagger_type for spec in EXTRACTED} <= labels
    assert set(FIELD_OF_TYPE.values()) == set(FIELDS)


def test_the_review_outputs_follow_the_registry() -> None:
    assert [spec.name for spec in EXTRACTED if spec.facet] == list(FACETS[3:])
    for spec in EXTRACTED:
        assert ("role" in _columns(spec.name)) is spec.has_role
        assert INDEXES[spec.name][0] == "canonical"
    assert {spec.gain_column for spec in EXTRACTED if spec.gain_column} == set(INDEXES["gains"])
    assert [spec.heading for spec in SUMMARY_ORDER][-1] == "Proposed methods"
