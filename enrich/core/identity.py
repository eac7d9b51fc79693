"""Stable paper identity: DOI, else arXiv id, else a hash of the normalized title."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b([a-z][a-z.-]+/\d{7})(?:v\d+)?\b", re.IGNORECASE)
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
