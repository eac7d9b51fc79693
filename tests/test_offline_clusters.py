"""Word clusters from unlabeled text: words used alike share a cluster; the table travels with
the model it was trained with."""

from __future__ import annotations

import json
from pathlib import Path

from enrich.offline.clusters import build_clusters, load_clusters, save_clusters
from enrich.offline.features import word_features
from enrich.offline.tagger import EntityTagger, clusters_file
from enrich.offline.train import PARAMS, main, train


def _texts() -> list[str]:
    texts = []
    for i in range(40):
        texts.append(f"We train BERT on SQuAD and report accuracy {i}.")
        texts.append(f"We train RoBERTa on GLUE and report recall {i}.")
        texts.append(f"Results on CoNLL show that latency drops {i}.")
    return texts


def test_words_used_alike_share_a_cluster() -> None:
    settings = {"min_count": 3, "contexts": 50, "dims": 4, "sizes": (3,), "seed": 1}
    clusters = build_clusters(_texts(), **settings)
    assert clusters["bert"] == clusters["roberta"]
    assert clusters["squad"] == clusters["glue"]
    assert clusters["bert"] != clusters["squad"]
    assert clusters == build_clusters(
        _texts(), min_count=3, contexts=50, dims=4, sizes=(3,), seed=1
    )


def test_clusters_round_trip_and_become_features(tmp_path: Path) -> None:
    table = {"bert": (1, 7), "glue": (2, 9)}
    path = tmp_path / "m.clusters.tsv"
    save_clusters(table, path)
    assert load_clusters(path) == table
    assert load_clusters(tmp_path / "missing.tsv") == {}
    own = word_features("BERT", table).own
    assert "c0=1" in own and "c1=7" in own
    assert not any(f.startswith("c0=") for f in word_features("BERT").own)


def test_a_model_trained_with_clusters_keeps_them_beside_it(tmp_path: Path) -> None:
    labels = tmp_path / "train.jsonl"
    rows = [
        {"abstract": f"We use {m} for {t}.",
         "gold": {"methods": [m], "tasks": [t], "datasets": [], "metrics": []}}
        for m in ("CRFs", "HMMs", "SVMs") for t in ("parsing", "tagging")
    ]  # fmt: skip
    labels.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "model.crfsuite"
    train(rows, out, PARAMS, {"crfs": (0,), "hmms": (0,), "svms": (0,)})
    assert load_clusters(clusters_file(out)) == {"crfs": (0,), "hmms": (0,), "svms": (0,)}
    main(["--labels", str(labels), "--out", str(out)])  # retrained without: no stale table
    assert not clusters_file(out).exists()
    found = {(e.field, e.text) for e in EntityTagger.load(out).tag("We use CRFs for parsing.")}
    assert found == {("methods", "CRFs"), ("tasks", "parsing")}
