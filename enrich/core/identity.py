"""Stable paper identity: DOI, else arXiv id, else a hash of the normalized title."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b([a-z][a-z.-]+/\d{7})(?:v\d+)?\b", re.IGNORECASE)
# A whole value that is nothing but an arXiv reference: a bare id, `arXiv:` id, or arxiv.org link.
_ARXIV_WHOLE = re.compile(
    r"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)?"
    r"(\d{4}\.\d{4,5}|[a-z][a-z.-]+/\d{7})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_ARXIV_YYMM = re.compile(r"^(\d\d)(\d\d)\.(\d{4,5})$")
_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\s*")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_title(title: str) -> str:
    """Lowercase, NFKC, LaTeX commands/braces and punctuation dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", title)
    text = _LATEX_CMD.sub(" ", text).replace("{", "").replace("}", "")
    return _NON_WORD.sub(" ", text.casefold()).strip()


def normalize_doi(raw: str | None) -> str | None:
    """`https://doi.org/10.1/X` or `doi:10.1/X` -> `10.1/x`; None when it is not a DOI."""
    if not raw:
        return None
    doi = _DOI_PREFIX.sub("", raw.strip()).strip().rstrip(".,;")
    return doi.lower() if _DOI_SHAPE.match(doi) else None


def normalize_arxiv_id(raw: str | None) -> str | None:
    """Any arXiv reference (URL, `arXiv:2305.14336v2`, `hep-th/9901001`) -> bare id, no version."""
    if not raw:
        return None
    text = raw.strip()
    match = _ARXIV_NEW.search(text)
    if match:
        return match.group(1)
    match = _ARXIV_OLD.search(text)
    return match.group(1).lower() if match else None


def whole_arxiv_id(raw: str | None) -> str | None:
    """The bare id when the whole of `raw` is an arXiv reference, else None.

    For generic fields (`id`, `abs`, `pdf`) that only sometimes hold one: a DOI or a local
    record number that merely contains `1234.5678` must not become an arXiv id.
    """
    match = _ARXIV_WHOLE.match(raw.strip()) if raw else None
    return normalize_arxiv_id(match.group(1)) if match else None


def arxiv_year(arxiv_id: str | None) -> int | None:
    """The submission year a new-style id states (`2503.11731` -> 2025), else None.

    New-style ids (April 2007 on) are YYMM.NNNN, with five digits from 1501; old-style ids
    (`hep-th/9901001`) follow no rule we can trust for the year, so they give none.
    """
    match = _ARXIV_YYMM.match(arxiv_id or "")
    if not match:
        return None
    yy, mm, number = int(match.group(1)), int(match.group(2)), match.group(3)
    if not 1 <= mm <= 12 or (yy, mm) < (7, 4) or (len(number) == 5) != ((yy, mm) >= (15, 1)):
        return None
    return 2000 + yy


def title_key(title: str) -> str | None:
    """The identity key of a title, or None when the title has no words to hash."""
    normalized = normalize_title(title)
    if not normalized:
        return None
    return "title:" + hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def paper_id(
    *, title: str, doi: str | None = None, arxiv_id: str | None = None, abstract: str = ""
) -> str:
    """The id a paper is known by: `doi:...`, `arxiv:...`, `title:<hash>`, else `text:<hash>`."""
    if doi:
        return f"doi:{doi}"
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    key = title_key(title)
    if key:
        return key
    digest = hashlib.sha256(normalize_title(abstract).encode("utf-8")).hexdigest()[:16]
    return f"text:{digest}"
