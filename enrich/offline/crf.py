"""Tagging with a trained linear-chain CRF in numpy: summed weights per word type, batched Viterbi.

crfsuite's own tagger takes each token as a list of feature strings and looks every string up,
which costs more than everything else the offline extractor does (about 2.7 ms of 3.8 ms per
abstract). A token's features are its word's own, its neighbours' views of them, and a few
position facts (`features.layout`), so the weights of each part are summed once per word type and
a token's label scores are eight row lookups plus its flags. Viterbi then runs over all the
sentences of a batch at once, longest first, so each step is one array operation over every
sentence still running. Scores and tie-breaking (the lowest label index wins) are crfsuite's, so
the labels are the same (checked against crfsuite on every labeled abstract in the tests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from enrich.offline.clusters import Clusters
from enrich.offline.features import FLAGS, layout, word_features

Scores = npt.NDArray[np.float64]

# Rows of the per-word table: own features, the views from offsets -2, -1, +1, +2, and the
# word as a chunk head, as a chunk's first word and as the cue word in effect.
_OWN, _AT_M2, _AT_M1, _AT_P1, _AT_P2, _HEAD, _FIRST, _CUE = range(8)
_PARTS = 8
# Word types kept before the table starts over (576 bytes each with 9 labels), checked between
# batches: a bound on memory for corpora of any size; a word seen after a reset is summed again.
MAX_WORDS = 1 << 17


def joined_strings(names: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Strings as one byte array (a numpy string array pads each to the longest)."""
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8)


def split_strings(array: npt.NDArray[np.generic]) -> list[str]:
    return bytes(array).decode("utf-8").split("\n") if array.size else []


class LinearChain:
    """A crfsuite model's state and transition weights, ready to label sentences."""

    def __init__(
        self,
        labels: Sequence[str],
        state: Mapping[tuple[str, str], float],
        transitions: Mapping[tuple[str, str], float],
        clusters: Clusters | None = None,
    ) -> None:
        index = {label: i for i, label in enumerate(labels)}
        size = len(labels)
        # One row of label weights per attribute the model knows; row 0 is all zeros.
        attribute: dict[str, int] = {}
        for name, _ in state:
            attribute.setdefault(name, len(attribute) + 1)
        weights = np.zeros((len(attribute) + 1, size))
        for (name, label), weight in state.items():
            weights[attribute[name], index[label]] += weight
        moves = np.zeros((size, size))
        for (before, after), weight in transitions.items():
            moves[index[before], index[after]] = weight
        self._setup(list(labels), attribute, weights, moves, clusters)

    def _setup(
        self,
        labels: list[str],
        attribute: dict[str, int],
        weights: Scores,
        transitions: Scores,
        clusters: Clusters | None,
    ) -> None:
        self.labels = labels
        self._attribute = attribute
        self._weights = weights
        self._transitions = transitions
        self._flags = self._weights[[self._attribute.get(flag, 0) for flag in FLAGS]]
        self._clusters = clusters
        self._reset()

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The model as arrays (`from_arrays` rebuilds it without parsing crfsuite's dump)."""
        return {
            "labels": joined_strings(self.labels),
            "attributes": joined_strings(list(self._attribute)),
            "weights": self._weights,
            "transitions": self._transitions,
        }

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, npt.NDArray[np.generic]], clusters: Clusters | None = None
    ) -> LinearChain:
        chain = cls.__new__(cls)
        names = split_strings(arrays["attributes"])
        chain._setup(
            split_strings(arrays["labels"]),
            dict(zip(names, range(1, len(names) + 1), strict=True)),
            np.asarray(arrays["weights"], dtype=np.float64),
            np.asarray(arrays["transitions"], dtype=np.float64),
            clusters,
        )
        return chain

    def _reset(self) -> None:
        self._rows: dict[str, int] = {}
        # What `layout` needs of each row's word, kept as flat lists of strings and booleans
        # (not one object per word, which the garbage collector would walk again and again).
        # Row 0: all zeros, the edge of a sentence.
        self._low: list[str] = [""]
        self._acronym: list[bool] = [False]
        self._breaks: list[bool] = [True]
        self._table = np.zeros((_PARTS, 1024, len(self.labels)))

    def _add_words(self, words: Sequence[str]) -> None:
        """Sum the weights of each new word's parts, all words at once: one gather of weight
        rows and one segmented sum (each part's segment starts with the zero row, so an empty
        part sums to zeros and the order of addition is the attributes' own)."""
        first = len(self._low)
        needed = first + len(words)
        if needed > self._table.shape[1]:
            grown = np.zeros((_PARTS, max(needed, 2 * self._table.shape[1]), len(self.labels)))
            grown[:, :first] = self._table[:, :first]
            self._table = grown
        known = self._attribute.get
        gather: list[int] = []
        segments: list[int] = []
        for row, word in enumerate(words, start=first):
            info = word_features(word, self._clusters)
            for attributes in (
                info.own,
                *info.ctx,
                ("head=" + info.low,),
                ("first=" + info.low,),
                ("cue=" + info.low,),
            ):
                segments.append(len(gather))
                gather.append(0)
                gather.extend(i for i in map(known, attributes) if i)
            self._rows[word] = row
            self._low.append(info.low)
            self._acronym.append(info.acronym)
            self._breaks.append(info.breaks_chunk)
        sums = np.add.reduceat(self._weights[gather], segments, axis=0)
        self._table[:, first:needed] = sums.reshape(len(words), _PARTS, -1).transpose(1, 0, 2)

    def scores(self, sentences: Sequence[Sequence[str]]) -> Scores:
        """Label scores of every token of `sentences`, concatenated: shape (tokens, labels)."""
        if len(self._low) > MAX_WORDS:
            self._reset()
        rows = self._rows
        new = [w for w in dict.fromkeys(w for words in sentences for w in words) if w not in rows]
        if new:
            self._add_words(new)
        low, acronym, breaks = self._low, self._acronym, self._breaks
        own: list[int] = []
        lengths: list[int] = []
        heads: list[int] = []  # positions within the sentence, -1 for none
        firsts: list[int] = []
        cues: list[int] = []
        flag_at: list[int] = []
        flag_of: list[int] = []
        for words in sentences:
            ids = [rows[w] for w in words]
            base = len(own)
            own += ids
            lengths.append(len(ids))
            where = layout(
                [low[i] for i in ids], [acronym[i] for i in ids], [breaks[i] for i in ids]
            )
            heads += where.head
            firsts += where.first
            cues += where.cue
            for at, flag in where.flags:
                flag_at.append(base + at)
                flag_of.append(flag)
        # Index arithmetic in numpy (a Python list as an index costs more than the lookup):
        # each token's position in its sentence, and row 0 (zeros) wherever a neighbour, head,
        # first word or cue does not exist, through a last entry that holds 0.
        size = len(own)
        row_of: npt.NDArray[np.intp] = np.asarray([*own, 0], dtype=np.intp)
        counts = np.asarray(lengths)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        position = np.arange(size) - starts
        span = np.repeat(counts, counts)

        def word_at(offset: int) -> npt.NDArray[np.intp]:
            inside = (position + offset >= 0) & (position + offset < span)
            return row_of.take(np.where(inside, np.arange(size) + offset, -1))

        def word_of(local: list[int]) -> npt.NDArray[np.intp]:
            positions = np.asarray(local)
            return row_of.take(np.where(positions >= 0, positions + starts, -1))

        table = self._table
        out: Scores = table[_OWN].take(row_of[:size], axis=0)
        for part, rows_of in (
            (_AT_M2, word_at(-2)),
            (_AT_M1, word_at(-1)),
            (_AT_P1, word_at(1)),
            (_AT_P2, word_at(2)),
            (_HEAD, word_of(heads)),
            (_FIRST, word_of(firsts)),
            (_CUE, word_of(cues)),
        ):
            out += table[part].take(rows_of, axis=0)
        present = np.zeros((size, len(FLAGS)))
        present[flag_at, flag_of] = 1.0
        out += present @ self._flags
        return out

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """The best label sequence of each sentence (of words), in order."""
        if not sentences:
            return []
        order = sorted(range(len(sentences)), key=lambda s: -len(sentences[s]))
        ranked = [sentences[s] for s in order]
        best = viterbi(self.scores(ranked), [len(words) for words in ranked], self._transitions)
        names = self.labels
        out: list[list[str]] = [[] for _ in sentences]
        for rank, s in enumerate(order):
            out[s] = [names[i] for i in best[rank, : len(ranked[rank])].tolist()]
        return out


def viterbi(scores: Scores, lengths: Sequence[int], transitions: Scores) -> npt.NDArray[np.intp]:
    """Best label indices of each sentence, given the concatenated token `scores` of sentences
    whose `lengths` do not increase (so the sentences still running are always a prefix).

    Row s of the result holds sentence s's labels in its first `lengths[s]` places. Arrays are
    laid out label-first, so each step's max is a reduction over the outer axis (fast in numpy,
    where a row-wise argmax over 9 labels is not); back-pointers are found on the way back,
    one label per sentence, from the kept forward scores."""
    count = len(lengths)
    longest = lengths[0]
    size = transitions.shape[0]
    sizes = np.asarray(lengths)
    grid = np.zeros((count, longest, size))
    grid[np.arange(longest) < sizes[:, None]] = scores
    steps = np.ascontiguousarray(grid.transpose(1, 2, 0))  # [position, label, sentence]
    running = [int(np.count_nonzero(sizes > t)) for t in range(longest)]
    arriving = transitions[:, :, None]  # [previous label, label, 1]
    best = steps[0].copy()  # each sentence's scores at its latest position
    kept = [best.copy()]
    for t in range(1, longest):
        k = running[t]
        here = (best[:, None, :k] + arriving).max(axis=0) + steps[t, :, :k]
        best[:, :k] = here
        kept.append(here)
    labels = np.zeros((count, longest), dtype=np.intp)
    current = best.argmax(axis=0)
    for t in range(longest - 1, 0, -1):
        k = running[t]
        labels[:k, t] = current[:k]
        current[:k] = (kept[t - 1][:, :k] + transitions[:, current[:k]]).argmax(axis=0)
    labels[:, 0] = current
    return labels
