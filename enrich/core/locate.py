"""Find a string in an abstract: exact, then folded, then a bounded fuzzy match.

Folding forgives case, spacing, dashes, LaTeX and Unicode variants ("98.7%" meets "$98.7\\%$",
"1.47x" meets "1.47 $\\times$") and a leading article; fuzzy matching forgives small spelling
differences. Every match starts and ends on token boundaries ("GAN" is not in "organic", "BERT"
not in "RoBERTa"), and a folded or fuzzy match must name the same numbers and versions ("GPT-4"
is not "GPT-4o", "CIFAR-10" not "CIFAR-100"). Spans always index the abstract's own characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import SequenceMatcher
from functools import cached_property

from enrich.core.normtext import Folded, balance, compact, fold
from enrich.core.numbers import NumberToken, number_tokens, version_tokens
from enrich.core.schema import Span

FUZZY_THRESHOLD = 0.85
_FUZZY_MAX_CHARS = 200
_ARTICLE = re.compile(r"(?:the|an|a) (?=\S)")
_WORD = re.compile(r"\S+")


class Passage:
    """An abstract prepared once for the many look-ups grounding makes in it."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def folded(self) -> Folded:
        return fold(self.text)

    @cached_property
    def words(self) -> list[tuple[int, int]]:
        """(start, end) of each word of the folded text."""
        return [match.span() for match in _WORD.finditer(self.folded.text)]

    @cached_property
    def numbers(self) -> list[tuple[float, int, int]]:
        """Every stated number with the original span it was read from."""
        return [self._source(token) for token in number_tokens(self.folded.text)]

    def _source(self, token: NumberToken) -> tuple[float, int, int]:
        start, end = self.folded.source(token.start, token.end)
        return token.value, start, end


def _cuts(text: str, i: int) -> bool:
    """True when position i falls inside a token of `text`: between two letters or digits, or
    within a decimal number ("98|.7", "98.|7")."""
    if not 0 < i < len(text):
        return False
    before, after = text[i - 1], text[i]
    if before.isalnum() and after.isalnum():
        return True
    if after in ".," and before.isdigit():
        return i + 1 < len(text) and text[i + 1].isdigit()
    return before in ".," and after.isdigit() and i >= 2 and text[i - 2].isdigit()


def on_token_boundaries(text: str, start: int, end: int) -> bool:
    """True when [start, end) cuts no word or number of `text` in half."""
    return start < end and not _cuts(text, start) and not _cuts(text, end)


def find_all_whole(needle: str, text: str) -> Iterator[int]:
    """Every start of `needle` in `text` that cuts no word or number in half, in order."""
    start = text.find(needle) if needle else -1
    while start >= 0:
        if on_token_boundaries(text, start, start + len(needle)):
            yield start
        start = text.find(needle, start + 1)


def find_whole(needle: str, text: str) -> int:
    """Where `needle` first occurs in `text` without cutting a word or number in half; -1 when
    nowhere."""
    return next(find_all_whole(needle, text), -1)


def locate(needle: str, haystack: str | Passage) -> Span | None:
    """The span of `needle` in `haystack`, or None when it is not there even approximately."""
    needle = needle.strip()
    if not needle:
        return None
    passage = haystack if isinstance(haystack, Passage) else Passage(haystack)
    start = find_whole(needle, passage.text)
    if start >= 0:
        return Span(start=start, end=start + len(needle), match="exact")
    folded_needle = fold(needle).text
    bare = _ARTICLE.sub("", folded_needle, count=1) if _ARTICLE.match(folded_needle) else ""
    for candidate in (folded_needle, bare):
        found = _find_folded(candidate, passage) if candidate else None
        if found is not None:
            return Span(start=found[0], end=found[1], match="normalized")
    return _fuzzy(bare or folded_needle, passage)


def _source_span(passage: Passage, start: int, end: int) -> tuple[int, int] | None:
    """The original span of folded [start, end), if it cuts no token on either side."""
    if _cuts(passage.folded.text, start) or _cuts(passage.folded.text, end):
        return None
    source = balance(passage.text, *passage.folded.source(start, end))
    return source if on_token_boundaries(passage.text, *source) else None


def _find_folded(needle: str, passage: Passage) -> tuple[int, int] | None:
    folded = passage.folded.text
    start = folded.find(needle)
    while start >= 0:
        end = _plural_end(folded, start + len(needle)) if needle[-1].isalpha() else None
        source = _source_span(passage, start, end or start + len(needle))
        if source is not None:
            return source
        start = folded.find(needle, start + 1)
    return None


def _plural_end(folded: str, end: int) -> int | None:
    """Where the word ends when the needle is its singular ("llm" in "llms"), so the span
    covers the whole word rather than stopping inside it."""
    for suffix in ("s", "es"):
        if folded.startswith(suffix, end) and not _cuts(folded, end + len(suffix)):
            return end + len(suffix)
    return None


def _fuzzy(needle: str, passage: Passage) -> Span | None:
    """The best window of nearly the needle's word count whose spacing- and hyphen-free form is
    at least FUZZY_THRESHOLD similar and names the same numbers."""
    if not 4 <= len(needle) <= _FUZZY_MAX_CHARS:
        return None
    folded, words = passage.folded.text, passage.words
    versions = version_tokens(needle)
    size = needle.count(" ") + 1
    # a spaced needle may be one hyphenated word in the abstract ("llama 3 70b", "Llama-3-70B")
    widths = {max(1, size - 1), size, size + 1} | ({1, 2} if size <= 4 else set())
    best: tuple[float, tuple[int, int]] | None = None
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(compact(needle))
    for width in sorted(widths):
        for i in range(len(words) - width + 1):
            start, end = words[i][0], words[i + width - 1][1]
            matcher.set_seq1(compact(folded[start:end]))
            if matcher.real_quick_ratio() < FUZZY_THRESHOLD:
                continue
            if matcher.quick_ratio() < FUZZY_THRESHOLD:
                continue
            ratio = matcher.ratio()
            if ratio < FUZZY_THRESHOLD or (best is not None and ratio <= best[0]):
                continue
            start, end = _trim(folded, start, end, needle)
            if start >= end or version_tokens(folded[start:end]) != versions:
                continue
            source = _source_span(passage, start, end)
            if source is not None:
                best = (ratio, source)
    if best is None:
        return None
    return Span(start=best[1][0], end=best[1][1], match="fuzzy")


def _trim(folded: str, start: int, end: int, needle: str) -> tuple[int, int]:
    """Drop punctuation a window carries at its edges ("(vit)," -> "vit") unless the needle
    has it too ("98.7%")."""
    while start < end and not folded[start].isalnum() and folded[start] != needle[0]:
        start += 1
    while end > start and not folded[end - 1].isalnum() and folded[end - 1] != needle[-1]:
        end -= 1
    return start, end
