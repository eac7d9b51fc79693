"""Tokens and sentences with character offsets, so every tagged span maps back to the abstract.

Words keep their inner hyphens, apostrophes, dots and plus signs ("trans-context-free",
"VBench-2.0", "98.7", "C++"); brackets and other punctuation are tokens of their own; LaTeX
commands (`\\%`, `\\times`) stay whole, so `$98.7\\%$` reads as `$ 98.7 \\% $`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_TOKEN = re.compile(
    r"\w+(?:[-.+]\w+|['\u2019](?![sS]\b)\w+)*\+*"  # words, numbers, compounds, C++; 's apart
    r"|['\u2019][sS]\b"  # possessive
    r"|\\[A-Za-z]+|\\."  # LaTeX commands and escapes
    r"|\S",  # any other single character
)


def word_set(text: str) -> frozenset[str]:
    """A lexicon written as whitespace-separated words."""
    return frozenset(text.split())


class Token(NamedTuple):
    """One token: its text and the half-open character range it covers (a tuple: made by the
    thousand per abstract, so cheap to build)."""

    text: str
    start: int
    end: int


_BOUNDARY = re.compile(r"[.!?][\"')\]]*(?:\s+(?=[\"'(\[]?[A-Z0-9\\$])|(?=[A-Z][a-z]))|\n[ \t]*\n")
# A period after one of these does not end a sentence ("e.g. 5 minutes", "Smith et al. show").
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|et al|vs|cf|Figs?|Eqs?|Sec|Tab|No|approx|resp|incl|al)\.$")


# No real sentence is this long; text without sentence breaks (a dump, a table flattened into
# one line) is cut into pieces of at most this many characters, so that the rules that look
# back over a sentence stay linear in the length of the text.
MAX_SENTENCE = 1500


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at clause marks or spaces into pieces of at most MAX_SENTENCE chars."""
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = max(text.rfind("; ", start, limit), text.rfind(", ", start, limit)) + 1
        if cut <= start + MAX_SENTENCE // 2:
            cut = text.rfind(" ", start, limit)
        if cut <= start:
            cut = limit
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return pieces


@lru_cache(maxsize=256)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every sentence, whitespace-trimmed; abbreviations and decimals do not
    split (a stop needs whitespace and then a capital, digit or LaTeX, or "word.Next"); no span
    is longer than MAX_SENTENCE characters."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        cut = match.start() + (text[match.start()] != "\n")
        glued = not match.group(0)[-1].isspace()
        if glued and not text[max(0, cut - 4) : cut - 1].isalpha():
            continue  # "U.S.Army": a glued stop ends a sentence only after a word
        if text[cut - 1] == "." and _ABBREV.search(text, max(start, cut - 8), cut):
            continue
        spans.append((start, cut))
        start = match.end()
    spans.append((start, len(text)))
    trimmed: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.extend(_bounded(text, s, e) if e - s > MAX_SENTENCE else [(s, e)])
    return tuple(trimmed)


def sentences(text: str) -> list[list[Token]]:
    """The tokens of each sentence, offsets relative to the whole `text`."""
    out = []
    finditer = _TOKEN.finditer
    new = tuple.__new__  # a Token without the Python-level constructor: thousands per abstract
    for start, end in sentence_spans(text):
        tokens = [new(Token, (m.group(), *m.span())) for m in finditer(text, start, end)]
        if tokens:
            out.append(tokens)
    return out


def sentence_words(text: str) -> list[tuple[int, list[str]]]:
    """Each sentence's start and words: what tagging needs, without building a Token per word
    (offsets are found afterwards, by `word_starts`, only where a span was tagged)."""
    findall = _TOKEN.findall
    out = []
    for start, end in sentence_spans(text):
        words = findall(text, start, end)
        if words:
            out.append((start, words))
    return out


def word_starts(text: str, start: int, words: list[str]) -> list[int]:
    """Character offsets of a sentence's `words` (from `sentence_words`): only whitespace lies
    between consecutive tokens, so each is the next occurrence of its text."""
    find = text.find
    out = []
    at = start
    for word in words:
        at = find(word, at)
        out.append(at)
        at += len(word)
    return out
