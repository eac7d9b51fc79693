"""The offline entity tagger: tokens and sentences with offsets, span clean-up rules, the shipped
model's behaviour on hand-written sentences, and the training script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enrich.offline.spans import (
    Coverage,
    drop_count,
    is_generic,
    metric_mentions,
    split_coordination,
    url_ranges,
)
from enrich.offline.tagger import EntityTagger, decode
from enrich.offline.tokens import sentence_words, sentences, word_starts
from enrich.offline.train import labeled_sentences, main

ROOT = Path(__file__).resolve().parent.parent


def toks(text: str) -> list[str]:
    (tokens,) = sentences(text)
    return [t.text for t in tokens]


def words(tokens: list[str], a: int, b: int) -> str:
    return " ".join(tokens[a:b])


@pytest.fixture(scope="module")
def tagger() -> EntityTagger:
    return EntityTagger.load()


def test_tokens_keep_offsets_names_and_latex() -> None:
    text = "We fine-tune VBench-2.0 with C++ code. It reaches $98.7\\%$ accuracy."
    split = sentences(text)
    assert len(split) == 2
    for tokens in split:
        assert all(text[t.start : t.end] == t.text for t in tokens)
    assert [t.text for t in split[0]][:4] == ["We", "fine-tune", "VBench-2.0", "with"]
    assert "C++" in [t.text for t in split[0]]
    assert [t.text for t in split[1]][3:7] == ["98.7", "\\%", "$", "accuracy"]


def test_sentence_words_find_the_same_tokens_and_offsets() -> None:
    text = "Ours (LoRA-2) beats C++  code.\n\nIt reaches $98.7\\%$ on MS-COCO; see e.g. Fig. 2."
    fast = sentence_words(text)
    slow = sentences(text)
    assert [words for _, words in fast] == [[t.text for t in s] for s in slow]
    for (start, words), tokens in zip(fast, slow, strict=True):
        assert word_starts(text, start, words) == [t.start for t in tokens]


def test_decode_bio_spans() -> None:
    labels = ["B-MET", "I-MET", "O", "I-TASK", "B-TASK"]
    assert decode(labels) == [("MET", 0, 2), ("TASK", 3, 4), ("TASK", 4, 5)]


def test_generic_phrases_and_counts() -> None:
    tokens = toks("nine real-world datasets and three few-shot classification datasets")
    assert is_generic(tokens[0:3])
    assert not is_generic(tokens[4:8])
    assert words(tokens, drop_count(tokens, 4, 8), 8) == "few-shot classification datasets"
    assert drop_count(tokens, 0, 1) == 0  # never empties a span


def test_coordination_splits_names_only() -> None:
    names = toks("CUB, Cars and Places")
    assert [words(names, a, b) for a, b in split_coordination(names, 0, len(names))] == [
        "CUB",
        "Cars",
        "Places",
    ]
    phrase = toks("detection and segmentation tasks")
    assert split_coordination(phrase, 0, len(phrase)) == [(0, len(phrase))]


def test_urls_and_metric_lexicon() -> None:
    text = (
        "Code: https://github.com/a/b-accuracy. "
        "Top-1 accuracy rises; FLOPs and word error rate fall."
    )
    urls = url_ranges(text)
    assert Coverage(len(text), urls).overlaps(text.index("github"), text.index("github") + 6)
    found = [text[a:b] for a, b in metric_mentions(text)]
    assert "Top-1 accuracy" in found and "FLOPs" in found and "word error rate" in found
    verb = "We map each box to a class and report mAP and MAP@10."
    assert [verb[a:b] for a, b in metric_mentions(verb)] == ["mAP", "MAP"]


def test_shipped_model_tags_a_plain_abstract(tagger: EntityTagger) -> None:
    text = (
        "We fine-tune BERT and RoBERTa on SQuAD, improving accuracy on question answering. "
        "Code is at https://github.com/x/y-model."
    )
    found = {(e.field, e.text) for e in tagger.tag(text)}
    assert all(text[e.start : e.end] == e.text for e in tagger.tag(text))
    assert found == {
        ("methods", "BERT"), ("methods", "RoBERTa"), ("datasets", "SQuAD"),
        ("metrics", "accuracy"), ("tasks", "question answering"),
    }  # fmt: skip


def test_training_labels_and_script(tmp_path: Path) -> None:
    record = {
        "abstract": "We use CRFs for parsing.",
        "mentions": [
            {"type": "Method", "start": 7, "end": 11},
            {"type": "Task", "start": 16, "end": 23},
        ],
    }
    assert list(labeled_sentences(record)) == [
        (["We", "use", "CRFs", "for", "parsing", "."], ["O", "O", "B-MET", "O", "B-TASK", "O"])
    ]
    labels = tmp_path / "train.jsonl"
    records = [_record(method, task) for method in METHODS for task in TASKS]
    for record in records:
        del record["mentions"]  # our labels: strings, tagged wherever they occur
    labels.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    out = tmp_path / "model.crfsuite"
    main(["--labels", str(labels), "--out", str(out)])
    found = {
        (e.field, e.text)
        for e in EntityTagger.load(out).tag(_record("CRFs", "tagging")["abstract"])
    }
    assert found == {("methods", "CRFs"), ("tasks", "tagging")}


METHODS = ["CRFs", "HMMs", "SVMs", "LSTMs"]
TASKS = ["parsing", "tagging", "chunking"]


def _record(method: str, task: str) -> dict[str, object]:
    """A tiny labeled abstract, "We use M for T.", with gold strings and SciERC mentions."""
    text = f"We use {method} for {task}."
    start = text.index(task)
    return {
        "abstract": text,
        "gold": {"methods": [method], "tasks": [task], "datasets": [], "metrics": []},
        "mentions": [
            {"type": "Method", "start": 7, "end": 7 + len(method)},
            {"type": "Task", "start": start, "end": start + len(task)},
        ],
    }


def test_latex_styled_word_keeps_its_first_letter() -> None:
    from enrich.offline.tagger import _whole_word

    text = "three parts: \\textbf{I}nstructions and (\\emph{R}esponses)"
    assert text[_whole_word(text, text.index("nstructions")) :].startswith("\\textbf{I}nstr")
    assert text[_whole_word(text, text.index("esponses")) :].startswith("\\emph{R}esp")
    assert _whole_word(text, text.index("parts")) == text.index("parts")


def test_text_without_sentence_breaks_is_cut_into_bounded_pieces() -> None:
    from enrich.offline.tokens import MAX_SENTENCE, sentence_spans

    text = "we improve accuracy by 3.2% on ImageNet, and reduce latency " * 500
    spans = sentence_spans(text)
    assert len(spans) > 1 and all(e - s <= MAX_SENTENCE for s, e in spans)
    assert all(text[e - 1] == "," for s, e in spans[:-1])  # cut after a clause mark
    assert " ".join(text[s:e] for s, e in spans) == text.strip()  # nothing lost
    short = "A first sentence. A second one."
    assert sentence_spans(short) == ((0, 17), (18, 31))


def test_lexicon_measures_count_where_a_number_is_stated(tagger: EntityTagger) -> None:
    # "memory footprint" is in the metric lexicon; a sentence that states no number only
    # mentions it, one that reports a result measures it.
    assert tagger.tag("Memory footprint is a concern in practice.") == []
    found = tagger.tag("Foo cuts the memory footprint by 40%.")
    assert [(e.field, e.text) for e in found] == [("metrics", "memory footprint")]
