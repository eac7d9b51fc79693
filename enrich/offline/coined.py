"""Names an abstract coins for its own contribution: "we propose SatFed, a ...", "a dual-branch
framework, dubbed R2CNet", "we introduce DocFormBench, a benchmark ...".

Small models often describe the proposed system ("a satellite-assisted FL framework") and leave
out the name the abstract gives it, though that name is what a reader looks for. The constructions
that introduce a name are few and general; the name itself must look coined (an inner capital or
digit, or an acronym), and what follows or precedes it ("X, a benchmark", "a dataset, called X")
says whether it is a dataset or a method. No list of names is involved.
"""

from __future__ import annotations

import re

_NAME = r"(?P<name>(?:[A-Z][\w$^{}\\\-]*?[A-Z0-9][\w$^{}\\\-]*|[A-Z]{2,}[\w\-]*))"
_NAMING = r"(?:called|named|dubbed|termed|coined)"
_INTRO = re.compile(
    r"\b(?:[Ww]e|[Tt]his\s+(?:paper|work|study))\s+"
    r"(?:(?:first|then|also|further|therefore|thus|hence|here)\s+)?"
    r"(?:propose|introduce|present|develop|design|build|release|construct|create|curate"
    r"|contribute)[sd]?\s+"
    r"(?:(?:a|an|the)\s+[^.;]{0,100}?,?\s*" + _NAMING + r"\s+)?" + _NAME
)
_NAMED = re.compile(r"\b" + _NAMING + r"\s+" + _NAME)
_DATA = r"(?:benchmark|dataset|data\s+set|corpus|corpora|suite|testbed|leaderboard)s?\b"
_DATA_AFTER = re.compile(r"\s*(?:\([^)]*\))?\s*,\s*(?:a|an|the)\s+(?:[\w\-]+\s+){0,6}?" + _DATA)
_DATA_BEFORE = re.compile(_DATA + r"[\s,]*" + _NAMING + r"\s+$")
_NEXT_CAPITAL = re.compile(r"[\s\-]*[A-Z]")  # "Mindscape-Aware RAG": part of a longer name


def coined_names(text: str) -> list[tuple[str, int, int]]:
    """(field, start, end) of each name the abstract coins; field is "methods" or "datasets"."""
    found: list[tuple[str, int, int]] = []
    seen: set[int] = set()
    for pattern in (_INTRO, _NAMED):
        for match in pattern.finditer(text):
            start, end = match.span("name")
            end = start + len(text[start:end].rstrip("-"))
            if start in seen or end - start < 3 or _NEXT_CAPITAL.match(text, end, end + 3):
                continue
            seen.add(start)
            lead = text[max(0, start - 80) : start]
            data = _DATA_AFTER.match(text, end, end + 120) or _DATA_BEFORE.search(lead)
            found.append(("datasets" if data else "methods", start, end))
    return sorted(found, key=lambda item: item[1])
