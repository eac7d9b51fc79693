"""Word clusters learned from unlabeled abstracts, a cheap and classic feature for a CRF that
has few labels.

Words used in similar contexts share a cluster: a name the labels never showed ("Qwen3") gets
the cluster of names they did ("Llama-3"), a metric the labels never named the cluster of those
they did. Each word's left and right neighbours among the most frequent words are counted over
the unlabeled pool, weighted by positive pointwise mutual information, reduced to a few
dimensions by a randomized SVD and grouped by k-means at two granularities. Deterministic for
a given pool and seed; built by `python -m enrich.offline.train` from `../shared/data/arxiv2025`
and shipped beside the model as a small word -> clusters table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from enrich.offline.tokens import sentences

Clusters = Mapping[str, tuple[int, ...]]


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 25) -> np.ndarray:
    """Spherical k-means (points are unit rows): cluster index per row."""
    centres = points[rng.choice(len(points), size=k, replace=False)]
    assign = np.zeros(len(points), dtype=np.int64)
    for _ in range(rounds):
        assign = np.argmax(points @ centres.T, axis=1)
        for c in range(k):
            members = points[assign == c]
            if len(members):
                centre = members.sum(axis=0)
                centres[c] = centre / (np.linalg.norm(centre) or 1.0)
    return assign


def build_clusters(
    texts: Iterable[str],
    *,
    min_count: int = 3,
    contexts: int = 2000,
    dims: int = 100,
    sizes: tuple[int, ...] = (32, 128, 512),
    seed: int = 13,
) -> dict[str, tuple[int, ...]]:
    """Cluster ids (one per size in `sizes`) of every lowercase word seen `min_count` times."""
    tokenized = [
        [token.text.lower() for token in sentence] for text in texts for sentence in sentences(text)
    ]
    counts = Counter(word for sentence in tokenized for word in sentence)
    vocab = [w for w, n in counts.most_common() if n >= min_count]
    index = {w: i for i, w in enumerate(vocab)}
    context = {w: i for i, w in enumerate(vocab[:contexts])}
    width = len(context)
    pairs: Counter[tuple[int, int]] = Counter()
    for sentence in tokenized:
        for i, word in enumerate(sentence):
            row = index.get(word)
            if row is None:
                continue
            if i > 0 and (c := context.get(sentence[i - 1])) is not None:
                pairs[(row, c)] += 1
            if i + 1 < len(sentence) and (c := context.get(sentence[i + 1])) is not None:
                pairs[(row, width + c)] += 1
    matrix = np.zeros((len(vocab), 2 * width), dtype=np.float32)
    for (row, col), n in pairs.items():
        matrix[row, col] = n
    # Context counts smoothed (raised to 0.75) so rare contexts do not dominate the PMI.
    context_mass = matrix.sum(axis=0) ** 0.75
    expected = np.outer(matrix.sum(axis=1), context_mass / context_mass.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        ppmi = np.maximum(np.log(matrix / expected), 0.0)
    ppmi = np.nan_to_num(ppmi, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
    rng = np.random.default_rng(seed)
    # Randomized SVD: a Gaussian sketch of the column space, then an exact SVD of the small
    # projected matrix.
    sketch = ppmi @ rng.standard_normal((ppmi.shape[1], dims + 16)).astype(np.float32)
    basis, _ = np.linalg.qr(sketch)
    small = basis.T @ ppmi
    left, singular, _ = np.linalg.svd(small, full_matrices=False)
    embedding = (basis @ left[:, :dims]) * np.sqrt(singular[:dims])
    norms = np.linalg.norm(embedding, axis=1, keepdims=True)
    embedding = embedding / np.where(norms == 0, 1.0, norms)
    assignments = [_kmeans(embedding, size, rng) for size in sizes]
    return {word: tuple(int(a[i]) for a in assignments) for word, i in index.items()}


def save_clusters(clusters: Clusters, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join([word, *map(str, ids)]) for word, ids in sorted(clusters.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_clusters(path: Path) -> dict[str, tuple[int, ...]]:
    """A saved table; empty when there is none (a model trained without clusters)."""
    if not path.is_file():
        return {}
    out: dict[str, tuple[int, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, *ids = line.split("\t")
        out[word] = tuple(int(i) for i in ids)
    return out
