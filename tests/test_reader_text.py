"""Plain-text / Markdown reader: the three layouts, field lines, titles and warnings."""

from __future__ import annotations

from enrich.readers.base import ReadOptions, ReadResult
from enrich.readers.plaintext import READER, TextReader

MARKDOWN = """# Reading list

## 1. [Attention Is All You Need](https://arxiv.org/abs/1706.03762)

**Authors:** Ashish Vaswani, Noam Shazeer, Niki Parmar et al.
**Year:** 2017

The dominant sequence transduction models are based on complex recurrent or
convolutional neural networks.

We propose a new simple network architecture, the **Transformer**.

## QLoRA: Efficient Finetuning of Quantized LLMs

- Authors: Tim Dettmers; Artidoro Pagnoni
- arXiv: 2305.14314v2
- Date: 2023-05-23

We present QLoRA. Code: [github](https://github.com/artidoro/qlora).

```bash
# a shell comment, not a heading
pip install bitsandbytes
```

DOI: 10.48550/arXiv.2305.14314
"""

PLAIN = """Schema-Driven Information Extraction from Heterogeneous Tables
Authors: Fan Bai, Junmo Kang
DOI: 10.18653/v1/2024.findings-emnlp.600
In this paper, we explore the question of whether large language models can
support cost-efficient information extraction from tables.

Why Steering Works: Toward a Unified View of Language Model Parameter Dynamics
Methods for controlling large language models (LLMs), including local weight
fine-tuning, are often studied in isolation. Code is available at
https://github.com/zjunlp/EasyEdit.
"""

ALTERNATING = """Is Attention Interpretable?

Attention mechanisms have recently boosted performance on a range of NLP tasks.

Deep Residual Learning for Image Recognition

Deeper neural networks are more difficult to train. We present a residual learning
framework to ease the training of networks.

We also present analysis on CIFAR-10 with 100 and 1000 layers.
"""

SINGLE_ABSTRACT = """We introduce a new language representation model called BERT, which stands for
Bidirectional Encoder Representations from Transformers. Unlike recent language
representation models, BERT is designed to pre-train deep bidirectional
representations from unlabeled text.

BERT is conceptually simple and empirically powerful. It obtains new
state-of-the-art results on eleven natural language processing tasks.
"""


def read(text: str, path: str = "notes.txt") -> ReadResult:
    return READER.read(text, path, ReadOptions())


def test_reader_identity() -> None:
    assert isinstance(READER, TextReader)
    assert READER.name == "text"
    assert READER.extensions == (".txt", ".md", ".markdown", ".text")


def test_markdown_headings_start_entries_and_field_lines_are_not_abstract() -> None:
    result = read(MARKDOWN, "list.md")
    assert result.warnings == []
    attention, qlora = result.papers  # "# Reading list" only groups entries
    assert attention.title == "Attention Is All You Need"
    assert attention.authors == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]
    assert attention.authors_truncated is True
    assert attention.year == 2017
    assert attention.abstract == (
        "The dominant sequence transduction models are based on complex recurrent or "
        "convolutional neural networks.\n\n"
        "We propose a new simple network architecture, the Transformer."
    )
    assert attention.url == "https://arxiv.org/abs/1706.03762"  # from the heading link
    assert attention.id == "arxiv:1706.03762"
    assert qlora.authors == ["Tim Dettmers", "Artidoro Pagnoni"]
    assert qlora.arxiv_id == "2305.14314"
    assert qlora.date == "2023-05-23"
    assert qlora.year == 2023
    assert qlora.doi == "10.48550/arxiv.2305.14314"  # a trailing field line
    assert qlora.id == "doi:10.48550/arxiv.2305.14314"
    assert "pip install" not in qlora.abstract  # fenced code is not abstract
    assert "Authors" not in qlora.abstract
    assert qlora.code_urls == ["https://github.com/artidoro/qlora"]


def test_markdown_sources() -> None:
    attention, qlora = read(MARKDOWN, "list.md").papers
    assert [attention.sources[0].line, qlora.sources[0].line] == [3, 13]
    assert {s.format for s in attention.sources + qlora.sources} == {"markdown"}


def test_markdown_abstract_subheading_belongs_to_the_paper() -> None:
    text = "# My Paper Title\n\nAuthors: Ada Lovelace\n\n## Abstract\n\nWe compute numbers.\n"
    result = read(text, "paper.md")
    (paper,) = result.papers
    assert paper.title == "My Paper Title"
    assert paper.authors == ["Ada Lovelace"]
    assert paper.abstract == "We compute numbers."
    assert result.warnings == []


def test_plain_blocks_with_title_first_lines() -> None:
    result = read(PLAIN)
    assert result.warnings == []
    schema, steering = result.papers
    assert schema.title == "Schema-Driven Information Extraction from Heterogeneous Tables"
    assert schema.authors == ["Fan Bai", "Junmo Kang"]
    assert schema.id == "doi:10.18653/v1/2024.findings-emnlp.600"
    assert schema.abstract == (
        "In this paper, we explore the question of whether large language models can "
        "support cost-efficient information extraction from tables."
    )
    assert steering.title.startswith("Why Steering Works")
    assert steering.code_urls == ["https://github.com/zjunlp/EasyEdit"]
    assert [schema.sources[0].line, steering.sources[0].line] == [1, 7]
    assert {s.format for s in schema.sources + steering.sources} == {"text"}


def test_alternating_title_and_paragraph_blocks() -> None:
    questions, resnet = read(ALTERNATING).papers
    assert questions.title == "Is Attention Interpretable?"
    assert questions.abstract.startswith("Attention mechanisms have recently boosted")
    assert resnet.title == "Deep Residual Learning for Image Recognition"
    assert resnet.abstract.endswith("with 100 and 1000 layers.")
    assert "\n\n" in resnet.abstract  # both paragraphs kept
    assert resnet.sources[0].line == 5


def test_single_abstract_is_titled_after_the_file() -> None:
    result = read(SINGLE_ABSTRACT, "drafts/my_paper-draft.txt")
    assert result.warnings == []
    (paper,) = result.papers
    assert paper.title == "my paper draft"
    assert paper.abstract.startswith("We introduce a new language representation model")
    assert paper.abstract.endswith("eleven natural language processing tasks.")
    assert paper.sources[0].line == 1


def test_single_abstract_with_a_leading_title_line() -> None:
    text = "BERT: Pre-training of Deep Bidirectional Transformers\n\n" + SINGLE_ABSTRACT
    (paper,) = read(text, "bert.txt").papers
    assert paper.title == "BERT: Pre-training of Deep Bidirectional Transformers"
    assert paper.abstract.startswith("We introduce")


def test_key_value_layout() -> None:
    text = (
        "Title: Deep Residual Learning\n"
        "Authors: He, Kaiming; Zhang, Xiangyu\n"
        "Year: 2016\n"
        "URL: https://arxiv.org/abs/1512.03385\n"
        "Abstract: Deeper neural networks are more difficult to train.\n"
    )
    (paper,) = read(text).papers
    assert paper.title == "Deep Residual Learning"
    assert paper.authors == ["Kaiming He", "Xiangyu Zhang"]
    assert paper.year == 2016
    assert paper.arxiv_id == "1512.03385"
    assert paper.abstract == "Deeper neural networks are more difficult to train."


def test_trailing_title_without_abstract_warns_and_is_kept() -> None:
    text = PLAIN + "\nA Title Cut Off Here\n"
    result = read(text)
    assert [p.title for p in result.papers][-1] == "A Title Cut Off Here"
    (warning,) = result.warnings
    assert warning.line == 12
    assert warning.message == "entry at line 12 has a title but no abstract (truncated?)"


def test_markdown_trailing_heading_without_abstract_warns() -> None:
    text = MARKDOWN + "\n## A Final Heading\n"
    heading_line = text.splitlines().index("## A Final Heading") + 1
    result = read(text, "list.md")
    assert heading_line == 28
    assert [p.title for p in result.papers][-1] == "A Final Heading"
    assert [w.line for w in result.warnings] == [heading_line]
    assert "has a title but no abstract" in result.warnings[0].message


def test_text_before_the_first_title_is_reported() -> None:
    text = "Some notes I wrote about these papers, not an abstract.\n\n" + PLAIN
    result = read(text)
    assert len(result.papers) == 2
    assert [(w.line, w.message) for w in result.warnings] == [
        (1, "text before the first title was ignored")
    ]


def test_sniff_accepts_any_non_blank_text() -> None:
    assert READER.sniff("anything at all")
    assert READER.sniff("@article{x, title={y}}")
    assert not READER.sniff("")
    assert not READER.sniff("  \n\t\n")
