"""The numpy CRF tagger gives crfsuite's own labels: same weights, same Viterbi, same ties."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pycrfsuite
import pytest

from enrich.offline import crf
from enrich.offline.clusters import load_clusters
from enrich.offline.crf import LinearChain, viterbi
from enrich.offline.features import FeatureExtractor
from enrich.offline.tagger import (
    DEFAULT_MODEL,
    EntityTagger,
    clusters_file,
    compile_model,
    compiled_file,
    model_digest,
)
from enrich.offline.tokens import sentences

ROOT = Path(__file__).resolve().parent.parent


def _chain(model: pycrfsuite.Tagger) -> LinearChain:
    info = model.info()
    clusters = load_clusters(clusters_file(DEFAULT_MODEL))
    return LinearChain(model.labels(), info.state_features, info.transitions, clusters)


@pytest.fixture(scope="module")
def reference() -> pycrfsuite.Tagger:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(DEFAULT_MODEL))
    return tagger


def test_labels_match_crfsuite_on_every_dev_sentence(reference: pycrfsuite.Tagger) -> None:
    extractor = FeatureExtractor(load_clusters(clusters_file(DEFAULT_MODEL)))
    with (ROOT / "eval" / "dev.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["abstract"] for line in lines]
    split = [[t.text for t in s] for text in texts for s in sentences(text)]
    assert len(split) > 500
    expected = [reference.tag(extractor.sentence(words)) for words in split]
    assert _chain(reference).tag(split) == expected
    assert sum(label != "O" for labels in expected for label in labels) > 1000


def test_word_table_starts_over_past_its_bound(
    reference: pycrfsuite.Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = _chain(reference)
    sentence = ["We", "propose", "LoRA-2", "(", "L2", ")", "evaluated", "on", "ImageNet", "."]
    first = chain.tag([sentence])
    monkeypatch.setattr(crf, "MAX_WORDS", 3)
    assert chain.tag([sentence, sentence[:4]]) == [first[0], chain.tag([sentence[:4]])[0]]
    assert chain.tag([sentence]) == first
    assert len(chain._low) <= len(set(sentence)) + 1  # reset before the batch, not grown


def test_viterbi_by_hand() -> None:
    # Two labels; staying costs nothing, switching costs 3. The short sentence's best path
    # switches (its scores favour it by more than 3); the long one's does not.
    transitions = np.array([[0.0, -3.0], [-3.0, 0.0]])
    scores = np.array(
        [
            [2.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [1.0, 0.0],  # long: 4 tokens
            [5.0, 0.0],
            [0.0, 9.0],  # short: 2 tokens
        ]
    )
    labels = viterbi(scores, [4, 2], transitions)
    assert labels[0].tolist() == [0, 0, 0, 0]
    assert labels[1, :2].tolist() == [0, 1]
    tied = viterbi(np.zeros((2, 2)), [2], transitions)
    assert tied[0].tolist() == [0, 0]  # ties go to the lowest label, as in crfsuite


def test_the_shipped_compiled_model_is_the_crfsuite_model(reference: pycrfsuite.Tagger) -> None:
    """The compiled file loads in milliseconds; it must hold exactly the parsed model, and a
    model retrained without compiling again must not be read from a stale one."""
    assert str(np.load(compiled_file(DEFAULT_MODEL))["digest"]) == model_digest(DEFAULT_MODEL)
    parsed = _chain(reference)
    loaded = EntityTagger.load()._chain
    assert loaded.labels == parsed.labels
    assert loaded._attribute == parsed._attribute
    assert np.array_equal(loaded._weights, parsed._weights)
    assert np.array_equal(loaded._transitions, parsed._transitions)
    assert loaded._clusters == parsed._clusters


def test_a_stale_compiled_file_is_ignored(tmp_path: Path) -> None:
    model = tmp_path / "m.crfsuite"
    model.write_bytes(DEFAULT_MODEL.read_bytes())
    clusters_file(model).write_bytes(clusters_file(DEFAULT_MODEL).read_bytes())
    compile_model(model)
    with np.load(compiled_file(model)) as arrays:
        stale = {**arrays, "weights": arrays["weights"] * 0, "digest": np.array("old")}
    np.savez(compiled_file(model), **stale)
    text = "We fine-tune BERT on SQuAD and report F1."
    assert EntityTagger.load(model).tag(text) == EntityTagger.load().tag(text) != []
