from __future__ import annotations

import pytest

from enrich.core.dedupe import deduplicate
from enrich.core.identity import normalize_arxiv_id, normalize_doi, normalize_title, paper_id
from enrich.core.models import Source
from enrich.readers.base import make_paper


def _src(name: str, line: int = 1) -> Source:
    return Source(path=name, line=line, format="test")


def test_normalizers() -> None:
    assert normalize_title("  {BERT}: Pre-training of Deep\nBidirectional  Transformers!") == (
        "bert pre training of deep bidirectional transformers"
    )
    assert normalize_doi("https://doi.org/10.18653/V1/N19-1423.") == "10.18653/v1/n19-1423"
    assert normalize_doi("not a doi") is None
    assert normalize_arxiv_id("http://arxiv.org/abs/2305.14336v2") == "2305.14336"
    assert normalize_arxiv_id("arXiv:hep-th/9901001v1") == "hep-th/9901001"
    assert normalize_arxiv_id("2024") is None


def test_ids_prefer_doi_then_arxiv_then_title() -> None:
    assert paper_id(title="T", doi="10.1/x", arxiv_id="2301.00001") == "doi:10.1/x"
    assert paper_id(title="T", arxiv_id="2301.00001") == "arxiv:2301.00001"
    assert paper_id(title="A Title") == paper_id(title="a  title!")
    assert paper_id(title="A Title").startswith("title:")
    assert paper_id(title="", abstract="only text").startswith("text:")


def test_same_title_merges_keeping_most_complete_fields() -> None:
    a = make_paper(
        title="Deep Graphs",
        authors=["A. One", "B. Two"],
        authors_truncated=True,
        abstract="Short.",
        source=_src("a.txt", 3),
        has_code=False,
        date="--05-28",
    )
    b = make_paper(title="deep graphs", authors=["A. One", "B. Two", "C. Three"],
                   abstract="A longer abstract.", year=2023, date="2023-05-28",
                   source=_src("b.jsonl", 7), has_code=True, doi="10.1234/dg")  # fmt: skip
    (merged,) = deduplicate([a, b])
    assert merged.id == "doi:10.1234/dg"
    assert merged.authors == ["A. One", "B. Two", "C. Three"]
    assert not merged.authors_truncated
    assert merged.abstract == "A longer abstract."
    assert (merged.year, merged.date, merged.has_code) == (2023, "2023-05-28", True)
    assert [(s.path, s.line) for s in merged.sources] == [("a.txt", 3), ("b.jsonl", 7)]


def test_arxiv_id_links_different_titles() -> None:
    a = make_paper(title="Old title", arxiv_id="2301.00001v1", source=_src("a"))
    b = make_paper(title="New title", arxiv_id="arXiv:2301.00001v3", source=_src("b"))
    (merged,) = deduplicate([a, b])
    assert merged.id == "arxiv:2301.00001"


@pytest.mark.parametrize(
    ("key", "first", "second", "ids"),
    [
        ("doi", "10.1234/a", "10.1234/b", ["doi:10.1234/a", "doi:10.1234/b"]),
        # arXiv holds distinct papers under one title (2509.18176 and 2509.25393 in the pool)
        ("arxiv_id", "2509.18176", "2509.25393", ["arxiv:2509.18176", "arxiv:2509.25393"]),
    ],
)
def test_same_title_different_identifiers_stay_apart(
    key: str, first: str, second: str, ids: list[str]
) -> None:
    a = make_paper(title="Introduction", source=_src("a"), **{key: first})
    b = make_paper(title="Introduction", source=_src("b"), **{key: second})
    c = make_paper(title="introduction", source=_src("c"))
    merged = deduplicate([a, b, c])
    assert [p.id for p in merged] == ids
    assert len(merged[0].sources) == 2  # the entry without one joins the first it matches


def test_order_is_first_seen() -> None:
    papers = [make_paper(title=t, source=_src(t)) for t in ("B", "A", "b", "C")]
    assert [p.title for p in deduplicate(papers)] == ["B", "A", "C"]
