from __future__ import annotations

import json

import pytest

from enrich.readers.base import ReadOptions
from enrich.readers.jsonl import READER
from enrich.readers.records import resolve_columns


def _read(text: str, **field_map: str):  # type: ignore[no-untyped-def]
    return READER.read(text, "x.jsonl", ReadOptions(field_map=field_map))


def test_jsonl_with_usual_field_names() -> None:
    lines = [
        {"Title": "Paper One", "Summary": "We propose X. Code: https://github.com/a/b.",
         "authors": "Ada Lovelace and Charles Babbage", "published": "2023-05-28T00:00:00Z",
         "DOI": "https://doi.org/10.1234/ONE"},
        {"paper_title": "Paper Two", "abstract": "Text.", "arxiv_id": "arXiv:2305.14336v2",
         "author": [{"given": "Grace", "family": "Hopper"}, {"name": "Alan Turing"}]},
        {"title": "Paper Three", "abstract": "Text.", "authors": "A. One, B. Two et al.",
         "year": "2021", "url": "https://example.org/p3"},
    ]  # fmt: skip
    result = _read("\n".join(json.dumps(r) for r in lines) + "\n")
    assert result.warnings == []
    one, two, three = result.papers
    assert one.id == "doi:10.1234/one"
    assert one.authors == ["Ada Lovelace", "Charles Babbage"]
    assert (one.date, one.year) == ("2023-05-28", 2023)
    assert one.code_urls == ["https://github.com/a/b"]
    assert one.sources[0].line == 1 and one.sources[0].format == "json"
    assert two.id == "arxiv:2305.14336"
    assert two.authors == ["Grace Hopper", "Alan Turing"]
    assert three.authors == ["A. One", "B. Two"] and three.authors_truncated
    assert (three.year, three.url) == (2021, "https://example.org/p3")


def test_malformed_and_truncated_lines_are_warned_and_skipped() -> None:
    text = '{"title": "A", "abstract": "x"}\n{not json}\n\n{"title": "B"}\n{"title": "C", "abs'
    result = _read(text)
    assert [p.title for p in result.papers] == ["A", "B"]
    assert [(w.line, w.message.split(" (")[0]) for w in result.warnings] == [
        (2, "malformed JSON"),
        (5, "truncated last record"),
    ]


def test_records_without_title_or_abstract_and_non_objects() -> None:
    result = _read('{"year": 2020}\n[1, 2]\n{"title": "Kept"}\n')
    assert [p.title for p in result.papers] == ["Kept"]
    assert [w.line for w in result.warnings] == [1, 2]
    assert "neither a title nor an abstract" in result.warnings[0].message


def test_json_array_and_wrapped_list() -> None:
    array = _read('[{"title": "A"}, {"title": "B"}]')
    assert [p.title for p in array.papers] == ["A", "B"]
    wrapped = _read(json.dumps({"count": 1, "papers": [{"title": "C", "abstract": "t"}]}))
    assert [p.title for p in wrapped.papers] == ["C"]
    single = _read(json.dumps({"title": "D", "abstract": "t"}))
    assert [p.title for p in single.papers] == ["D"]


def test_field_map_overrides_aliases() -> None:
    record = {"title": "wrong", "Paper Name": "Right", "Text Body": "The abstract."}
    result = _read(json.dumps(record), title="paper name", abstract="Text Body")
    assert (result.papers[0].title, result.papers[0].abstract) == ("Right", "The abstract.")


def test_unknown_field_in_map_is_rejected() -> None:
    with pytest.raises(ValueError, match="valid fields: abstract"):
        resolve_columns(["title"], {"abstrct": "Summary"})


def test_sniff() -> None:
    assert READER.sniff('  {"title": 1}')
    assert READER.sniff("[{}]")
    assert not READER.sniff("@article{key,")
