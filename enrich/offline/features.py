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


# The word beyond either end of a sentence: it contributes nothing.
EDGE = WordFeatures([], ([], [], [], []), "", False, True)


class FeatureExtractor:
    """Builds the feature strings crfsuite trains on, caching per-word-type features. (Tagging
    sums the same features' weights instead: `offline/crf.py`.)"""

    def __init__(self, clusters: Mapping[str, tuple[int, ...]] | None = None) -> None:
        self._cache: dict[str, WordFeatures] = {}
        self._clusters = clusters

    def _word(self, word: str) -> WordFeatures:
        found = word_features(word, self._clusters)
        self._cache[word] = found
        return found

    def sentence(self, words: Sequence[str]) -> list[list[str]]:
        """One feature list per word of a sentence (what the CRF is trained on)."""
        cached = self._cache.get
        infos = [cached(w) or self._word(w) for w in words]
        lows = [x.low for x in infos]
        where = layout(lows, [x.acronym for x in infos], [x.breaks_chunk for x in infos])
        chunk_flag = [False] * len(infos)
        flags: list[list[str]] = [[] for _ in infos]
        for at, flag in sorted(where.flags):  # within a token, in `FLAGS` order
            if flag == CHUNK_FLAG:
                chunk_flag[at] = True
            else:
                flags[at].append(FLAGS[flag])
        padded = [EDGE, EDGE, *infos, EDGE, EDGE]  # ctx of positions outside: empty
        out: list[list[str]] = []
        for i, info in enumerate(infos):
            feats = [  # one allocation, not one per concatenation
                *info.own,
                *padded[i].ctx[0],
                *padded[i + 1].ctx[1],
                *padded[i + 3].ctx[2],
                *padded[i + 4].ctx[3],
            ]
            if where.head[i] >= 0:
                named = ("head=" + lows[where.head[i]], "first=" + lows[where.first[i]])
                feats.extend(named)
            if chunk_flag[i]:  # the model's feature order: chunk flag, cue, the other flags
                feats.append(FLAGS[CHUNK_FLAG])
            if where.cue[i] >= 0:
                feats.append("cue=" + lows[where.cue[i]])
            feats.extend(flags[i])
            out.append(feats)
        return out


class Layout(NamedTuple):
    """What each token's features depend on beyond its own word and its neighbours': the cue
    word in effect before it, its noun chunk's first and last (head) word (indices into the
    sentence, -1 for none), and the position flags that hold, as (token, index into `FLAGS`).
    Training's feature strings and tagging's weight sums (`offline/crf.py`) both read it, so the
    two cannot drift apart."""

    cue: list[int]
    first: list[int]
    head: list[int]
    flags: list[tuple[int, int]]


FLAGS = ("BOS", "EOS", "inpar", "before_acr", "par_single", "chunk_before_acr")
_BOS, _EOS, _INPAR, _BEFORE_ACR, _PAR_SINGLE, CHUNK_FLAG = range(len(FLAGS))
_BRACKETS = _OPEN | _CLOSE


def layout(lows: Sequence[str], acronym: Sequence[bool], breaks: Sequence[bool]) -> Layout:
    """The position-dependent facts of one sentence's tokens, from each word's lowercase form
    and whether it is acronym-like and breaks a noun chunk (`WordFeatures`). Run for every
    sentence tagged, so written for speed: runs filled by slices, the bracket walk only where
    there are brackets.

    Noun chunks are approximated by maximal runs of tokens that are neither stopwords nor
    punctuation: the last word approximates the head, and a chunk followed by a bracketed acronym
    ("Low-Rank Adaptation (LoRA)") is marked. A cue word ("propose", "dataset") applies to the
    tokens after it until the next one."""
    n = len(lows)
    cue = [-1] * n
    first = [-1] * n
    head = [-1] * n
    flags: list[tuple[int, int]] = [(0, _BOS), (n - 1, _EOS)] if n else []
    i = 0
    while i < n:
        if breaks[i]:
            i += 1
            continue
        j = i + 1
        while j < n and not breaks[j]:
            j += 1
        first[i:j] = [i] * (j - i)
        head[i:j] = [j - 1] * (j - i)
        if j + 2 < n and lows[j] in _OPEN and acronym[j + 1] and lows[j + 2] in _CLOSE:
            flags.extend((k, CHUNK_FLAG) for k in range(i, j))
        i = j
    previous = -1
    for at in [k for k, low in enumerate(lows) if low in CUES]:
        cue[previous + 1 : at + 1] = [previous] * (at - previous)
        previous = at
    cue[previous + 1 :] = [previous] * (n - 1 - previous)
    if _BRACKETS.isdisjoint(lows):
        return Layout(cue, first, head, flags)
    depth = 0
    for i, low in enumerate(lows):
        if low in _CLOSE and depth:
            depth -= 1
        if depth:
            flags.append((i, _INPAR))
        if low in _OPEN:
            depth += 1
        nxt = lows[i + 1] if i + 1 < n else ""
        if nxt in _OPEN and i + 2 < n and acronym[i + 2]:
            flags.append((i, _BEFORE_ACR))
        if nxt in _CLOSE and i > 0 and lows[i - 1] in _OPEN:
            flags.append((i, _PAR_SINGLE))
    return Layout(cue, first, head, flags)
