from __future__ import annotations

from pathlib import Path

from enrich.core.dedupe import deduplicate
from enrich.readers.base import ReadOptions
from enrich.readers.profile import READER
from enrich.readers.registry import choose_reader


def _read(path: Path):  # type: ignore[no-untyped-def]
    return READER.read(path.read_text(encoding="utf-8"), str(path), ReadOptions())


def test_sample_corpus_counts(sample_corpus: Path) -> None:
    counts = {}
    papers = []
    for path in sorted(sample_corpus.glob("0*.txt")):
        result = _read(path)
        assert result.warnings == []
        counts[path.name[:3]] = len(result.papers)
        papers += result.papers
    assert counts == {"000": 14, "001": 42, "002": 34, "003": 50, "004": 11}
    assert len(papers) == 151
    assert len(deduplicate(papers)) == 134


def test_profile_headers(sample_corpus: Path) -> None:
    (p000,) = _read(next(sample_corpus.glob("000_*.txt"))).profiles
    assert (p000.name, p000.category, p000.h_index, p000.papers, p000.citations) == (
        "Haiwen Hong", "CV", 37, 14, 330,
    )  # fmt: skip
    assert (p000.novelty, p000.score, p000.entries) == (60.0, 62.0, 14)
    (p001,) = _read(next(sample_corpus.glob("001_*.txt"))).profiles
    assert (p001.name, p001.citations) == ("Zhi-Hong Deng", 5576)
    (p003,) = _read(next(sample_corpus.glob("003_*.txt"))).profiles
    assert p003.name is None  # this dump starts at the h-index line
    assert (p003.h_index, p003.papers, p003.citations) == (44, 155, 8939)
    (p002,) = _read(next(sample_corpus.glob("002_*.txt"))).profiles
    assert p002.h_index is None and p002.entries == 34


def test_separated_entry_fields(sample_corpus: Path) -> None:
    papers = _read(next(sample_corpus.glob("000_*.txt"))).papers
    first = papers[0]
    assert first.title == "How LoRA Remembers? A Parametric Memory Law for LLM Finetuning"
    assert first.authors == ["Ziwen Xu", "Haiwen Hong", "Linsong Yu"]
    assert first.authors_truncated
    assert first.score == 92.7
    assert first.category == "CL"
    assert (first.date, first.year) == ("--05-28", None)
    assert first.has_code is True
    assert first.code_urls == ["https://github.com/zjunlp/ParametricMemoryLaw"]
    assert first.abstract.startswith("Large Language Models (LLMs) must continuously")
    assert first.sources[0].line == 12
    assert first.sources[0].profile == "Haiwen Hong"
    dated = papers[3]
    assert (dated.date, dated.year, dated.score, dated.has_code) == ("2023-12-26", 2023, None, True)
    no_code = papers[2]
    assert no_code.has_code is False


def test_glued_and_separated_layouts_agree(sample_corpus: Path) -> None:
    """Papers listed in both layouts parse to the same fields."""
    by_id: dict[str, list] = {}  # type: ignore[type-arg]
    for path in sorted(sample_corpus.glob("0*.txt")):
        for paper in _read(path).papers:
            by_id.setdefault(paper.id, []).append(paper)
    shared = [group for group in by_id.values() if len(group) > 1]
    assert len(shared) == 17
    layouts = {Path(p.sources[0].path).name[:3] for group in shared for p in group}
    assert {"002", "004"} & layouts and {"001", "003"} & layouts
    for group in shared:
        fields = {
            (p.title, tuple(p.authors), p.authors_truncated, tuple(p.affiliations), p.abstract)
            for p in group
        }
        assert len(fields) == 1, group


def test_glued_entry_fields(sample_corpus: Path) -> None:
    papers = _read(next(sample_corpus.glob("002_*.txt"))).papers
    first = papers[0]
    assert first.title == (
        "Learning to Win Lottery Tickets in BERT Transfer via Task-agnostic Mask Training"
    )
    assert first.authors == ["Yuanxin Liu", "Fandong Meng", "Zheng Lin"]
    assert first.affiliations == ["pku", "tsinghua"]
    assert first.date == "2022-04-24" and first.year == 2022


TRUNCATED = """Ada Lovelace

CL
h-index3

CLMay 28Code
A Complete Paper

Ada Lovelace, Charles Babbage

We propose an engine. It works.

CVJan 2, 2021
A Cut-Off Paper

Ada Lovelace

We propose a second engine that"""


def test_truncated_last_entry_warns_with_line() -> None:
    result = READER.read(TRUNCATED, "t.txt", ReadOptions())
    assert [p.title for p in result.papers] == ["A Complete Paper", "A Cut-Off Paper"]
    assert [(w.line, w.message) for w in result.warnings] == [
        (13, "last entry ends mid-sentence (truncated file?)")
    ]


def test_header_without_body_warns() -> None:
    result = READER.read("CLMay 28Code\nA Paper\n\nA. Author\n\nText.\n\nCVJan 2\n", "t.txt",
                         ReadOptions())  # fmt: skip
    assert len(result.papers) == 1
    assert result.warnings[0].line == 8
    assert "no title" in result.warnings[0].message


def test_sniffing_prefers_profile_for_dumps(sample_corpus: Path) -> None:
    path = next(sample_corpus.glob("002_*.txt"))
    assert choose_reader(path, path.read_text(encoding="utf-8")).name == "profile"
    assert choose_reader(Path("notes.txt"), "Just a title\n\nSome abstract text.").name == "text"
