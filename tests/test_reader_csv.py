from __future__ import annotations

from enrich.readers.base import ReadOptions
from enrich.readers.csvfile import READER


def _read(text: str, path: str = "x.csv", **field_map: str):  # type: ignore[no-untyped-def]
    return READER.read(text, path, ReadOptions(field_map=field_map))


def test_csv_with_embedded_newlines_keeps_line_numbers() -> None:
    text = (
        "Title,Abstract,Authors,Year,DOI\n"
        'First,"Line one\nline two",Ada Lovelace; Charles Babbage,2020,10.1234/a\n'
        "Second,Plain.,Grace Hopper,2021,\n"
    )
    result = _read(text)
    assert result.warnings == []
    first, second = result.papers
    assert first.abstract == "Line one line two"  # a hard wrap inside a cell is a space
    assert first.authors == ["Ada Lovelace", "Charles Babbage"]
    assert first.id == "doi:10.1234/a"
    assert [first.sources[0].line, second.sources[0].line] == [2, 4]
    assert second.year == 2021 and second.doi is None


def test_tsv_and_semicolon_delimiters() -> None:
    tsv = _read("title\tabstract\nA\tText, with a comma.\n", "x.tsv")
    assert [(p.title, p.abstract) for p in tsv.papers] == [("A", "Text, with a comma.")]
    semi = _read("title;abstract;year\nB;Text.;2019\nC;More.;2018\n")
    assert [(p.title, p.year) for p in semi.papers] == [("B", 2019), ("C", 2018)]


def test_ragged_and_empty_rows_are_warned() -> None:
    result = _read("title,abstract,year\nA,ok,\nB,too,many,x\n,,2020\n,,\nD,fine,\n")
    assert [p.title for p in result.papers] == ["A", "D"]
    assert [(w.line, w.message) for w in result.warnings] == [
        (3, "row has 4 cells, the header has 3; skipped"),
        (4, "record has neither a title nor an abstract; skipped"),
    ]


def test_missing_columns_say_how_to_map_them() -> None:
    result = _read("Name of paper,Body\nA,B\n")
    assert result.papers == []
    (warning,) = result.warnings
    assert "Name of paper, Body" in warning.message
    assert "--field title=COLUMN --field abstract=COLUMN" in warning.message
    mapped = _read("Name of paper,Body\nA,B\n", title="Name of paper", abstract="body")
    assert [(p.title, p.abstract) for p in mapped.papers] == [("A", "B")]


def test_sniff() -> None:
    assert READER.sniff("id,title,abstract\n1,a,b\n")
    assert not READER.sniff("Just some prose without a header.\n")
