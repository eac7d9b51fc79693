"""Terms an abstract defines with an acronym: "Collaborative Filtering (CF)", "Chain-of-thought
(CoT)", "attack success rate (ASR)".

An abstract spells out the acronyms of what it is about, so a definition is a strong cue that the
term matters; the last word of the long form says which field it belongs to ("...learning",
"...networks" name methods; "...detection" a task; "...rate" a metric; "...benchmark" a
dataset). A definition whose head word says nothing, or says two things ("adaptation": a task
in "domain adaptation", a method in "Low-Rank Adaptation"), is left alone. General English cues.
"""

from __future__ import annotations

import re

from enrich.core.convention import FIELD_HEADS, head_word

_ACRONYM = re.compile(r"\((?P<acr>[A-Za-z][\w\-$^{}]*?[A-Z][\w\-$^{}]*?)s?\)")
_WORD = re.compile(r"[A-Za-z][\w'\-]*")
_MAX_WORDS = 8


def _long_form_start(text: str, before: int, acronym: str) -> int | None:
    """Start of the shortest run of words ending at `before` whose letters contain the
    acronym's capitals in order, beginning with its first one; None when there is none."""
    capitals = [c for c in acronym if c.isupper()]
    if len(capitals) < 2:
        return None
    words = list(_WORD.finditer(text, max(0, before - 120), before))[-_MAX_WORDS:]
    if not words or text[words[-1].end() : before].strip():
        return None
    for k in range(1, len(words) + 1):
        run = words[-k:]
        if run[0].group()[0].upper() != capitals[0]:
            continue
        letters = iter("".join(w.group().upper() for w in run))
        if all(c in letters for c in capitals):
            return run[0].start()
    return None


def defined_terms(text: str) -> list[tuple[str, int, int]]:
    """(field, start, end) of each "long form (ACRONYM)" whose head word names a field; the
    span covers the long form and the parenthesis, as our labels write it."""
    found: list[tuple[str, int, int]] = []
    for match in _ACRONYM.finditer(text):
        start = _long_form_start(text, match.start(), match.group("acr"))
        if start is None:
            continue
        head = head_word(text[start : match.start()])
        field = next((name for name, heads in FIELD_HEADS.items() if head in heads), None)
        if field is not None:
            found.append((field, start, match.end()))
    return found
