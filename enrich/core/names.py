"""Author lists in listing dumps, and the glued `TitleFirst Author, Second Author` layout.

Some profile dumps print a title and its author list with no separator between them
(`...Mask TrainingYuanxin Liu, Fandong Meng et al. · pku`). The split point is found by scoring
every place where a name could start inside a word: a case change (`gY`), the end of an acronym
(`VQAQingyi`) or of punctuation (`?Hanwen`) is a strong cue; when case gives no cue (lower-case
names), names seen elsewhere in the same file and words seen in its abstracts decide.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass

from enrich.core.fields import strip_et_al

_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "da", "di", "del", "della", "dos", "du", "la", "le"}
    | {"ter", "ten", "bin", "al", "el", "st"}
)
_CAMEL_PREFIX = re.compile(r"^(?:Mc|Mac|De|Di|Da|Le|La|Van|Von|O|D|Fitz)(?=[A-Z])")
_AFFILIATION_SEP = " · "


@dataclass(frozen=True)
class AuthorLine:
    """A parsed author line: names, whether it ended in `et al.`, and affiliations."""

    authors: list[str]
    truncated: bool
    affiliations: list[str]


def _plausible_part(part: str, *, first: bool) -> bool:
    if not part or not part.isalpha():
        return False
    if len(part) == 1:
        return part.isupper()  # an initial
    if part.islower():
        return True
    if part[0].isupper() and part[1:].islower():
        return True
    if not first and part.isupper():  # "Yuanxin LIU"
        return True
    rest = _CAMEL_PREFIX.sub("", part)
    return rest != part and rest[0].isupper() and (len(rest) == 1 or rest[1:].islower())


def _plausible_token(token: str, *, first: bool) -> bool:
    if token.endswith("."):  # only initials ("J.") and suffixes ("Jr.") end in a period
        return (len(token) == 2 and token[0].isupper()) or token in ("Jr.", "Sr.")
    core = token
    parts = re.split(r"[-'\u2019]", core)
    return all(_plausible_part(p, first=first) for p in parts)


def plausible_name(name: str) -> bool:
    """True when `name` reads as one person's name: 1-5 name-like tokens.

    Case may be inconsistent ("Jiawei zhang"): dumps do not always capitalize names.
    """
    tokens = name.split()
    return 1 <= len(tokens) <= 5 and all(
        _plausible_token(t, first=i == 0) for i, t in enumerate(tokens)
    )


def _mixed_case(name: str) -> bool:
    """`anxin Liu` or `Aqingyi si`: lower- and upper-case tokens in one name (particles aside)."""
    tokens = [t for t in name.split() if t not in _PARTICLES]
    return len({t[0].isupper() for t in tokens}) > 1


def split_affiliations(line: str) -> tuple[str, list[str]]:
    """`A, B · pku, tsinghua` -> (`A, B`, [`pku`, `tsinghua`])."""
    if _AFFILIATION_SEP not in line:
        return line.strip(), []
    names, _, affs = line.rpartition(_AFFILIATION_SEP)
    return names.strip(), [a.strip() for a in affs.split(",") if a.strip()]


def parse_author_line(line: str) -> AuthorLine | None:
    """Parse `A, B, C et al. · aff1, aff2`; None when the line is not an author list."""
    names_part, affiliations = split_affiliations(line)
    text, truncated = strip_et_al(names_part)
    names = [n.strip() for n in text.split(",")]
    if not names or not all(plausible_name(n) for n in names):
        return None
    return AuthorLine(authors=names, truncated=truncated, affiliations=affiliations)


def _boundary_strength(text: str, p: int) -> float:
    """How strongly the characters around position p suggest a name starts at p (0 = never)."""
    a, b = text[p - 1], text[p]
    c = text[p + 1] if p + 1 < len(text) else ""
    if not b.isalpha():
        return 0.0
    if a.islower():
        return 4.0 if b.isupper() else 1.0
    if a.isupper():
        if b.isupper():
            return 4.0 if c.islower() else 0.0  # "VQAQingyi" ends an acronym; "VQA" itself no
        # "VQAqingyi": only after an acronym of two or more capitals
        return 2.0 if p >= 2 and text[p - 2].isupper() else 0.0
    if a.isdigit():
        return 4.0 if b.isupper() else 2.0
    if a in "-\u2010\u2013":
        return 0.0  # the title cannot end in a hyphen
    if a.isspace():
        return 0.0
    return 4.0 if b.isupper() else 2.0  # after punctuation: "?Hanwen", ")Xu"


@dataclass(frozen=True)
class GluedSplit:
    """The result of splitting a glued `TitleAuthors` line."""

    title: str
    authors: AuthorLine
    confident: bool


def split_glued(
    line: str,
    *,
    known_names: Collection[str] = (),
    vocabulary: Collection[str] = (),
) -> GluedSplit | None:
    """Split `TitleFirst Author, Second Author et al. · aff` into title and authors.

    `known_names` (casefolded full names) and `vocabulary` (casefolded words) come from the rest
    of the file and settle splits that letter case cannot. None when no split yields an author
    list.
    """
    names_part, affiliations = split_affiliations(line)
    text, truncated = strip_et_al(names_part)
    best: tuple[float, int, bool] | None = None  # score, position, confident
    best_names: list[str] = []
    # Every candidate position shares the names after its first comma: split and judge those
    # once per comma, not once per position (a long line has thousands of positions).
    commas = [i for i, ch in enumerate(text) if ch == ","]
    tails: dict[int, list[str] | None] = {}

    def tail(comma: int) -> list[str] | None:
        """The names after `comma`, or None when one of them is not a plausible name."""
        if comma not in tails:
            names = [n.strip() for n in text[comma + 1 :].split(",")]
            tails[comma] = names if all(plausible_name(n) for n in names) else None
        return tails[comma]

    known_first_words = {words[0] for words in (n.casefold().split() for n in known_names) if words}
    for p in range(1, len(text)):
        strength = _boundary_strength(text, p)
        if strength == 0.0:
            continue
        title = text[:p].rstrip()
        if not title or title[-1] in ",;":
            continue
        at = bisect_left(commas, p)
        if at == len(commas):
            names = [text[p:].strip()]
        else:
            rest = tail(commas[at])
            if rest is None:
                continue
            names = [text[p : commas[at]].strip(), *rest]
        if not plausible_name(names[0]):
            continue
        score = strength
        first = names[0].casefold()
        known = first in known_names
        if known:
            score += 3.0
        elif first.split()[0] in known_first_words:
            score += 1.0
        last_word = re.sub(r"\W+", "", title.split()[-1].casefold())
        if strength < 4.0 and last_word in vocabulary:
            score += 1.5
        if _mixed_case(names[0]):
            score -= 2.0
        tokens = len(names[0].split())
        score += 0.5 if tokens == 2 else (-1.0 if tokens > 3 else 0.0)
        if best is None or (score, p) > best[:2]:
            best = (score, p, strength >= 4.0 or known)
            best_names = names
    if best is None:
        return None
    _, p, confident = best
    return GluedSplit(
        title=text[:p].strip(),
        authors=AuthorLine(authors=best_names, truncated=truncated, affiliations=affiliations),
        confident=confident,
    )
