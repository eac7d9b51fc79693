"""Per-token CRF features, built from per-word-type caches so tagging stays fast.

Everything a token contributes about itself (word, affixes, shape, flags) or to its neighbours
(their view of it at offsets -2..+2) depends only on its text, so it is computed once per word
type and reused; only position-dependent cues (brackets, acronym definitions, cue words, chunk
heads) are built per token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from enrich.offline.tokens import word_set

# Closed-class words: they end noun chunks, so the chunk's last word approximates its head.
STOPWORDS = word_set(
    """
    a an the this that these those its their our his her my your we they it i you he she of in
    on at by for with from to into onto over under between among through via than as and or but
    nor not no so if then also both either neither each every all any some such is are was were
    be been being has have had do does did can could may might must shall should will would
    which who whom whose what when where while how why there here very more most less least only
    just about against per within without upon towards toward using based
    """
)

# Words that announce an entity of a given kind nearby ("we propose X", "evaluated on X",
# "the X dataset", "X accuracy"). General English cues, not names.
CUES = word_set(
    """
    propose proposed present presented introduce introduced describe described develop developed
    use used using apply applied employ employed adopt based extend extends extended evaluate
    evaluated evaluation experiments experiment results benchmark benchmarks dataset datasets
    corpus corpora data collection treebank task tasks problem problems accuracy precision
    recall score scores error rate metric metrics measure measures performance outperforms
    outperform improves improve improvement compared compare baseline baselines approach
    approaches method methods model models algorithm algorithms framework system systems
    technique techniques network networks architecture for on of in to with by achieves achieve
    achieved reaches obtains yields reduces reduced
    """
)

_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")


def shape(word: str) -> str:
    """Character classes, e.g. "LoRA-2" -> "XxXX-d"."""
    out = []
    for ch in word:
        if ch.isupper():
            out.append("X")
        elif ch.islower():
            out.append("x")
        elif ch.isdigit():
            out.append("d")
        else:
            out.append(ch)
    return "".join(out)


def short_shape(word: str) -> str:
    """Shape with repeats collapsed, e.g. "LoRA-2" -> "XxX-d"."""
    out: list[str] = []
    for ch in shape(word):
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def is_acronym(word: str) -> bool:
    """Acronym-like: two or more capitals, or a capital after the first letter ("LoRA", "mAP")."""
    letters = [c for c in word if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    return upper >= 2 or (upper >= 1 and len(letters) > 1 and not word[0].isupper())


class WordFeatures(NamedTuple):
    """What a word type contributes, computed once: its own features, its features as seen
    from a token at offset +2, +1, -1, -2 (i.e. as the word at -2, -1, +1, +2 of that token),
    and facts the sentence-level cues need."""

    own: list[str]
    ctx: tuple[list[str], list[str], list[str], list[str]]
    low: str
    acronym: bool
    breaks_chunk: bool


def word_features(word: str, clusters: Mapping[str, tuple[int, ...]] | None = None) -> WordFeatures:
    """Features of one word type: lowercase form, shape, affixes, flags, and its clusters
    learned from unlabeled abstracts (`offline/clusters.py`) when there are any."""
    low = word.lower()
    ssh = short_shape(word)
    acr = is_acronym(word)
    own = [
        "w=" + low,
        "ss=" + ssh,
        "p3=" + low[:3],
        "p4=" + low[:4],
        "s3=" + low[-3:],
        "s4=" + low[-4:],
    ]
    if word[0].isupper():
        own.append("cap")
    if acr:
        own.append("acr")
    if any(c.isdigit() for c in word):
        own.append("digit")
    if "-" in word:
        parts = low.split("-")
        own.extend(("hyph", "hfirst=" + parts[0], "hlast=" + parts[-1]))
    punct = not word[0].isalnum()
    if punct:
        own.append("punct")
    stop = low in STOPWORDS
    if stop:
        own.append("stop")
    ctx = (
        ["w[-2]=" + low],
        ["w[-1]=" + low, "ss[-1]=" + ssh],
        ["w[1]=" + low, "ss[1]=" + ssh],
        ["w[2]=" + low],
    )
    found = clusters.get(low) if clusters else None
    if found is not None:
        for level, cluster in enumerate(found):
            own.append(f"c{level}={cluster}")
        ctx[1].append(f"c0[-1]={found[0]}")
        ctx[2].append(f"c0[1]={found[0]}")
    return WordFeatures(own, ctx, low, acr, stop or punct)


_EDGE = WordFeatures([], ([], [], [], []), "", False, True)


class FeatureExtractor:
    """Builds pycrfsuite feature lists for sentences, caching per-word-type features.

    Given the attributes a trained model knows (`known`), features it has no weight for are
    left out: they cannot change the tagging, and passing them costs time."""

    def __init__(
        self,
        known: frozenset[str] | None = None,
        clusters: Mapping[str, tuple[int, ...]] | None = None,
    ) -> None:
        self._cache: dict[str, WordFeatures] = {}
        self._known = known
        self._clusters = clusters

    def _word(self, word: str) -> WordFeatures:
        found = self._cache.get(word)
        if found is None:
            found = word_features(word, self._clusters)
            if self._known is not None:
                keep = self._known.__contains__
                own = list(filter(keep, found.own))
                ctx = tuple(list(filter(keep, c)) for c in found.ctx)
                found = found._replace(own=own, ctx=(ctx[0], ctx[1], ctx[2], ctx[3]))
            self._cache[word] = found
        return found

    def sentence(self, words: Sequence[str]) -> list[list[str]]:
        """One feature list per word of a sentence."""
        n = len(words)
        cached = self._cache.get
        infos = [cached(w) or self._word(w) for w in words]
        lows = [x.low for x in infos]
        chunk = _chunk_features(infos, lows, self._known)
        padded = [_EDGE, _EDGE, *infos, _EDGE, _EDGE]  # ctx of positions outside: empty
        out: list[list[str]] = []
        depth = 0
        cue: list[str] = []
        for i, info in enumerate(infos):
            low = info.low
            feats = [  # one allocation, not one per concatenation
                *info.own,
                *padded[i].ctx[0],
                *padded[i + 1].ctx[1],
                *padded[i + 3].ctx[2],
                *padded[i + 4].ctx[3],
                *chunk[i],
                *cue,
            ]
            if i == 0:
                feats.append("BOS")
            if i == n - 1:
                feats.append("EOS")
            if low in _CLOSE and depth:
                depth -= 1
            if depth:
                feats.append("inpar")
            if low in _OPEN:
                depth += 1
            nxt = padded[i + 3].low
            if nxt in _OPEN and padded[i + 4].acronym:
                feats.append("before_acr")
            if nxt in _CLOSE and padded[i + 1].low in _OPEN:
                feats.append("par_single")
            if low in CUES:
                cue = ["cue=" + low]
            out.append(feats)
        return out


def _chunk_features(
    infos: Sequence[WordFeatures], lows: Sequence[str], known: frozenset[str] | None
) -> list[list[str]]:
    """Noun-chunk approximation: maximal runs of tokens that are neither stopwords nor
    punctuation. Each token learns its chunk's first and last (head) word, and whether the
    chunk is followed by a bracketed acronym ("Low-Rank Adaptation (LoRA)")."""
    n = len(infos)
    out: list[list[str]] = [[] for _ in range(n)]
    i = 0
    while i < n:
        if infos[i].breaks_chunk:
            i += 1
            continue
        j = i
        while j < n and not infos[j].breaks_chunk:
            j += 1
        feats = ["head=" + lows[j - 1], "first=" + lows[i]]
        if known is not None:
            feats = [f for f in feats if f in known]
        if j + 2 < n and lows[j] in _OPEN and infos[j + 1].acronym and lows[j + 2] in _CLOSE:
            feats.append("chunk_before_acr")
        for k in range(i, j):
            out[k] = feats
        i = j
    return out
