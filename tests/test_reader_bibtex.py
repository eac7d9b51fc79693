"""BibTeX reader: field mapping, LaTeX decoding, identifiers and per-block warnings."""

from __future__ import annotations

from enrich.readers.base import ReadOptions, ReadResult
from enrich.readers.bibtex import READER, BibtexReader

TWO_ENTRIES = r"""% Exported from a reference manager
@string{naacl = "Proceedings of NAACL-HLT"}

@inproceedings{devlin2019bert,
  title     = {{BERT}: Pre-training of Deep Bidirectional Transformers for Language
               Understanding},
  author    = {Devlin, Jacob and Chang, Ming-Wei and Lee, Kenton and Toutanova, Kristina},
  booktitle = naacl,
  year      = {2019},
  month     = jun,
  doi       = {10.18653/v1/N19-1423},
  url       = {https://aclanthology.org/N19-1423},
  abstract  = {We introduce a new language representation model called {BERT}.
               Code: https://github.com/google-research/bert.}
}

@misc{bai2023schema,
  title         = {Schema-Driven Information Extraction from Heterogeneous Tables},
  author        = {Fan Bai and Junmo Kang and Gabriel Stanovsky and others},
  year          = {2023},
  eprint        = {2305.14336v2},
  archivePrefix = {arXiv},
  primaryClass  = {cs.CL},
}
"""


def read(text: str) -> ReadResult:
    return READER.read(text, "refs.bib", ReadOptions())


def test_reader_identity() -> None:
    assert isinstance(READER, BibtexReader)
    assert READER.name == "bibtex"
    assert READER.extensions == (".bib", ".bibtex")


def test_maps_fields_of_two_entries() -> None:
    result = read(TWO_ENTRIES)
    assert result.warnings == []
    bert, schema = result.papers
    assert bert.title == (
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    )
    assert bert.authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    assert bert.year == 2019
    assert bert.date == "2019-06"
    assert bert.doi == "10.18653/v1/n19-1423"
    assert bert.id == "doi:10.18653/v1/n19-1423"
    assert bert.url == "https://aclanthology.org/N19-1423"
    assert bert.abstract.startswith("We introduce a new language representation model called BERT.")
    assert bert.code_urls == ["https://github.com/google-research/bert"]
    assert schema.arxiv_id == "2305.14336"
    assert schema.id == "arxiv:2305.14336"
    assert schema.authors == ["Fan Bai", "Junmo Kang", "Gabriel Stanovsky"]
    assert schema.authors_truncated is True
    assert not bert.authors_truncated


def test_sources_carry_one_based_start_lines() -> None:
    bert, schema = read(TWO_ENTRIES).papers
    lines = TWO_ENTRIES.splitlines()
    assert bert.sources[0].line == 4
    assert schema.sources[0].line == 17
    assert lines[4 - 1].startswith("@inproceedings{devlin2019bert")
    assert lines[17 - 1].startswith("@misc{bai2023schema")
    assert {s.format for s in bert.sources + schema.sources} == {"bibtex"}
    assert bert.sources[0].path == "refs.bib"


def test_latex_accents_and_protective_braces_are_decoded() -> None:
    text = r"""@article{mueller2021,
  title = {{\"U}ber die {L}{\'e}vy-Prozesse in {GPT}-Modellen},
  author = {M{\"u}ller, J{\"o}rg and Fran{\c{c}}ois, Lo{\"\i}c and {Google Research}},
  journal = {Zeitschrift f\"ur KI},
  year = 2021,
  abstract = {Wir zeigen, dass 50\% der F{\"a}lle \emph{na\"ive} Modelle bevorzugen.}
}
"""
    (paper,) = read(text).papers
    assert paper.title == "Über die Lévy-Prozesse in GPT-Modellen"
    assert paper.authors == ["Jörg Müller", "Loïc François", "Google Research"]
    assert paper.abstract == "Wir zeigen, dass 50% der Fälle naïve Modelle bevorzugen."


def test_braced_and_stays_within_one_corporate_author() -> None:
    text = "@misc{k, title = {T}, author = {{Simon and Schuster} and Ada Lovelace}}\n"
    (paper,) = read(text).papers
    assert paper.authors == ["Simon and Schuster", "Ada Lovelace"]


def test_identifiers_are_read_verbatim_not_latex_decoded() -> None:
    text = r"""@online{site,
  title = {A Page},
  url = {https://example.org/~user/a%20b\_c},
  date = {2022-03-14},
}
"""
    (paper,) = read(text).papers
    assert paper.url == "https://example.org/~user/a%20b_c"
    assert paper.date == "2022-03-14"
    assert paper.year == 2022


def test_arxiv_id_from_google_scholar_journal_field() -> None:
    text = "@article{x, title={Some Preprint}, journal={arXiv preprint arXiv:2101.00001}}\n"
    (paper,) = read(text).papers
    assert paper.arxiv_id == "2101.00001"
    assert paper.id == "arxiv:2101.00001"


def test_eprint_of_another_archive_is_not_an_arxiv_id() -> None:
    text = "@article{x, title={T}, eprint={2101.00001}, archivePrefix={PubMed}}\n"
    (paper,) = read(text).papers
    assert paper.arxiv_id is None
    assert paper.id.startswith("title:")


def test_doi_beats_arxiv_for_the_id() -> None:
    text = "@article{x, title={T}, doi={10.1000/ABC}, eprint={2305.14336}, archivePrefix={arXiv}}"
    (paper,) = read(text).papers
    assert paper.id == "doi:10.1000/abc"
    assert paper.arxiv_id == "2305.14336"


def test_bad_blocks_warn_with_line_and_reading_continues() -> None:
    text = """@article{good1, title = {First Paper}, year = 2020}

@article{good1, title = {Same key again}}

@article{empty, year = 2021, note = {nothing else}}

@article{broken, title = {Never closed,
  year = 2022

@article{good2, title = {Second Paper}, year = 2023}
"""
    result = read(text)
    assert [p.title for p in result.papers] == ["First Paper", "Second Paper"]
    by_line = {w.line: w.message for w in result.warnings}
    assert len(result.warnings) == 3
    assert "duplicate BibTeX key 'good1'" in by_line[3]
    assert "first used at line 1" in by_line[3]
    assert "neither title nor abstract" in by_line[5]
    assert "could not parse" in by_line[7]
    assert all(w.path == "refs.bib" for w in result.warnings)


def test_entry_with_only_an_abstract_is_kept() -> None:
    (paper,) = read("@misc{a, abstract = {Only an abstract here.}}\n").papers
    assert paper.title == ""
    assert paper.abstract == "Only an abstract here."
    assert paper.id.startswith("text:")


def test_field_map_renames_a_field() -> None:
    text = "@misc{a, title = {T}, annote = {The abstract lives in annote.}}\n"
    result = READER.read(text, "a.bib", ReadOptions(field_map={"abstract": "annote"}))
    assert result.papers[0].abstract == "The abstract lives in annote."


def test_unsplittable_author_name_still_yields_the_entry() -> None:
    text = "@misc{a, title = {Odd Names}, author = {One, Two, Three, Four and Ada Lovelace}}\n"
    result = read(text)
    assert [p.title for p in result.papers] == ["Odd Names"]
    assert "Ada Lovelace" in result.papers[0].authors


def test_sniff() -> None:
    assert READER.sniff("% refs\n\n@article{devlin2019bert,\n  title = {BERT}}")
    assert READER.sniff("@InProceedings{key:2020,\n")
    assert READER.sniff("  @misc(key,\n title = {x})")
    assert not READER.sniff("Attention Is All You Need\n\nWe propose the Transformer.")
    assert not READER.sniff("@dataclass(frozen=True)\nclass X: ...")
    assert not READER.sniff("Contact me @article or email@example.org")
