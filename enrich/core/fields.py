"""Small, format-independent field parsers shared by the readers: authors, dates, URLs, text."""

from __future__ import annotations

import re
from datetime import date

_URL = re.compile(r"https?://[^\s<>\"'{}|\\^`]+", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}'\""
_ET_AL = re.compile(r",?\s*(?:et\.?\s*al\.?|and others)\s*$", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d|21\d\d)(?!\d)")
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_SPACE = re.compile(r"\s")
_CHUNK = 1 << 20  # collapse long texts a piece at a time: a word list of 50 MB would take GBs
_CUT_WINDOW = 0.9  # a cut goes back to a word boundary no further than 10% below the limit


def normalize_abstract(text: str) -> str:
    """Hard wraps and runs of spaces become one space; a blank line stays a paragraph break.

    Listings wrap abstracts at arbitrary columns (the arXiv API at 80); downstream character
    spans and cache keys must not depend on where a source happened to wrap.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = _BLANK_LINE.split(text) if "\n" in text else [text]
    return "\n\n".join(p for p in map(_collapse, parts) if p)


def _collapse(text: str) -> str:
    """`" ".join(text.split())`, in pieces that end at whitespace, so memory stays bounded."""
    if len(text) <= _CHUNK:
        return " ".join(text.split())
    pieces: list[str] = []
    start = 0
    while start < len(text):
        space = _SPACE.search(text, start + _CHUNK)
        end = len(text) if space is None else space.start()
        piece = " ".join(text[start:end].split())
        if piece:
            pieces.append(piece)
        start = end
    return " ".join(pieces)


def cut_at_word(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at the last word boundary near the limit.

    Nothing is appended: the result stays a substring of the source, so spans found in it are
    spans of the listing.
    """
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= limit * _CUT_WINDOW:
        return head[:space].rstrip()
    return text[:limit].rstrip()


def find_urls(text: str) -> list[str]:
    """Every http(s) URL in `text`, trailing sentence punctuation removed, first-seen order."""
    found: dict[str, None] = {}
    for match in _URL.finditer(text):
        url = match.group(0)
        while url and url[-1] in _URL_TRAIL:
            # keep a closing bracket that closes one opened inside the URL
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if url.count("/") >= 2 and "." in url.split("/")[2]:
            found.setdefault(url, None)
    return list(found)


def strip_et_al(text: str) -> tuple[str, bool]:
    """Remove a trailing `et al.` / `and others`; report whether the list was truncated."""
    stripped = _ET_AL.sub("", text.strip())
    return stripped.strip(), stripped != text.strip()


def _flip(name: str) -> str:
    """`Liu, Yuanxin` -> `Yuanxin Liu` (BibTeX and catalogue order); other names unchanged."""
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if first and last:
            return f"{first} {last}"
    return name.strip()


def split_authors(raw: str) -> tuple[list[str], bool]:
    """Split an author string: `A and B`, `A; B`, `A, B, C et al.`, `Last, First and ...`.

    Returns the names (display order "First Last") and whether the list was truncated.
    """
    text, truncated = strip_et_al(" ".join(raw.split()))
    if not text:
        return [], truncated
    if re.search(r"\s+and\s+", text, re.IGNORECASE) and (";" not in text):
        parts = re.split(r"\s+and\s+", text, flags=re.IGNORECASE)
        if all(p.count(",") == 1 for p in parts):  # "Last, First and Last, First"
            names = [_flip(p) for p in parts]
        else:  # "A, B and C": a comma list whose last separator is "and"
            names = [n for p in parts for n in p.split(",")]
    elif ";" in text:
        names = [_flip(p) for p in text.split(";")]
    else:
        names = [p.strip() for p in text.split(",")]
    kept = [n for n in (" ".join(n.split()) for n in names) if n and n.lower() != "others"]
    return kept, truncated


def parse_year(raw: object) -> int | None:
    """A plausible publication year from an int or any date-like string, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 1800 <= raw <= 2199 else None
    if isinstance(raw, float) and raw.is_integer():
        return parse_year(int(raw))
    if isinstance(raw, str):
        match = _YEAR.search(raw)
        return int(match.group(1)) if match else None
    return None


def iso_date(raw: str | None) -> str | None:
    """Normalize `2023-05-28T12:00:00Z`, `2023-5-2`, `2023` to ISO `YYYY[-MM[-DD]]`; else None."""
    if not raw:
        return None
    match = _ISO_DATE.match(raw.strip())
    if not match:
        year = parse_year(raw)
        return None if year is None else f"{year:04d}"
    year_s, month_s, day_s = match.groups()
    year = int(year_s)
    if month_s is None:
        return f"{year:04d}"
    month = int(month_s)
    if not 1 <= month <= 12:
        return f"{year:04d}"
    if day_s is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, int(day_s)).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"
