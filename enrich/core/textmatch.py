"""String comparison for scoring, exactly as the gold format defines it.

Normalization: Unicode NFKC, lowercase, hyphens, underscores and other punctuation to spaces
(the format allows deleting punctuation instead, but "CNN/Daily Mail" is two names' words, not
"cnndaily mail", and "NIST04/NIST05" two tokens), leading and trailing articles removed (a lone
article is kept), whitespace collapsed.
Two strings match *exactly* when their normalized forms are equal, and *relaxed* when the token-set
F1 of the normalized forms is at least 0.5 or one contains the other as whole tokens.
Matching is one-to-one and greedy by decreasing similarity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal

Mode = Literal["exact", "relaxed"]
MODES: tuple[Mode, ...] = ("exact", "relaxed")

_ARTICLES = frozenset({"a", "an", "the"})
_SPACES = re.compile(r"\s+")
_HYPHENS = re.compile(r"[\-_\u2010-\u2015\u2212]")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """The comparison form of `text` (see the module docstring)."""
    text = _HYPHENS.sub(" ", unicodedata.normalize("NFKC", text).lower())
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    tokens = text.split()
    while len(tokens) > 1 and tokens[0] in _ARTICLES:
        tokens.pop(0)
    while len(tokens) > 1 and tokens[-1] in _ARTICLES:
        tokens.pop()
    return " ".join(tokens)


def _contains_tokens(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(list(longer[i : i + n]) == list(shorter) for i in range(len(longer) - n + 1))


def token_f1(a: str, b: str) -> float:
    """Token-set F1 of two normalized strings."""
    left, right = set(a.split()), set(b.split())
    if not left or not right:
        return 0.0
    common = len(left & right)
    return 2 * common / (len(left) + len(right))


def similarity(a: str, b: str, mode: Mode) -> float:
    """How well normalized `a` matches normalized `b` under `mode`; 0.0 when they do not match."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if mode == "exact":
        return 0.0
    f1 = token_f1(a, b)
    if f1 >= 0.5:
        return f1
    ta, tb = a.split(), b.split()
    longer, shorter = (ta, tb) if len(ta) >= len(tb) else (tb, ta)
    if _contains_tokens(longer, shorter):
        return max(f1, 1e-9)  # a match, ranked by its overlap
    return 0.0


def relaxed_match(a: str, b: str) -> bool:
    return similarity(normalize(a), normalize(b), "relaxed") > 0.0


def unique_normalized(items: Sequence[str]) -> list[tuple[str, str]]:
    """(original, normalized) for each item, first occurrence kept, empty forms dropped."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for item in items:
        norm = normalize(item)
        if norm and norm not in seen:
            seen.add(norm)
            out.append((item, norm))
    return out


def greedy_pairs(
    n_gold: int, n_pred: int, score: Callable[[int, int], float]
) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) taken by decreasing score (> 0).

    Ties go to the earlier gold item, then the earlier prediction, so results are deterministic.
    """
    candidates = [
        (s, g, p) for g in range(n_gold) for p in range(n_pred) if (s := score(g, p)) > 0.0
    ]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, g, p in candidates:
        if g not in used_gold and p not in used_pred:
            used_gold.add(g)
            used_pred.add(p)
            pairs.append((g, p))
    return pairs
