"""Field mapping for record-shaped exports (JSON, CSV): the usual names, plus `--field` overrides.

Keys are matched loosely (case, spaces, `_` and `-` ignored), so `Paper Title`, `paper_title`
and `paperTitle` all map to `title`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from enrich.core.fields import find_urls, iso_date, parse_year, split_authors
from enrich.core.identity import normalize_arxiv_id, whole_arxiv_id
from enrich.core.models import Paper, Source
from enrich.readers.base import ReadOptions, make_paper

ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "papertitle", "name"),
    "abstract": ("abstract", "summary", "abstractnote", "description"),
    "authors": ("authors", "author", "creators", "authorlist"),
    "year": ("year", "publicationyear", "pubyear"),
    "date": ("date", "published", "publicationdate", "created", "publishedat"),
    "doi": ("doi",),
    "arxiv_id": ("arxivid", "arxiv", "eprint", "arxivurl"),
    "url": ("url", "link", "pdfurl", "landingpage"),
    "affiliations": ("affiliations", "affiliation"),
    "category": ("category", "primarycategory", "categories"),
    "code_url": ("codeurl", "code", "github", "repository"),
}
FIELD_NAMES = frozenset(ALIASES)
# Generic keys that often hold an arXiv id or link (arXiv API dumps: `id`, `abs`, `pdf`); read
# only when the record has no arXiv field, and only when the whole value is an arXiv reference.
_ARXIV_LINK_KEYS = ("id", "abs", "absurl", "pdf", "pdfurl", "url", "link")
_COMMENT_KEYS = ("comment", "comments")  # arXiv comments often link the code
_KEY_NOISE = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=4096)  # every JSON record repeats the same few keys
def loose_key(key: str) -> str:
    return _KEY_NOISE.sub("", key).casefold()


def resolve_columns(keys: list[str], field_map: Mapping[str, str]) -> dict[str, str]:
    """Our field -> the record key that holds it; `field_map` (ours -> theirs) wins."""
    unknown = set(field_map) - FIELD_NAMES
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(sorted(unknown))}; "
            f"valid fields: {', '.join(sorted(FIELD_NAMES))}"
        )
    by_loose: dict[str, str] = {}
    for key in keys:
        by_loose.setdefault(loose_key(key), key)
    columns: dict[str, str] = {}
    for ours, aliases in ALIASES.items():
        if ours in field_map:
            theirs = by_loose.get(loose_key(field_map[ours]))
            if theirs is not None:
                columns[ours] = theirs
            continue
        found = next((by_loose[a] for a in aliases if a in by_loose), None)
        if found is not None:
            columns[ours] = found
    return columns


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return " ".join(str(value).split())


def _author_name(value: object) -> str:
    if isinstance(value, Mapping):
        if value.get("name"):
            return _text(value["name"])
        given = _text(value.get("given") or value.get("first") or value.get("forenames"))
        family = _text(value.get("family") or value.get("last") or value.get("keyname"))
        return f"{given} {family}".strip()
    return _text(value)


def _authors(value: object) -> tuple[list[str], bool]:
    if isinstance(value, list):
        names = [_author_name(v) for v in value]
        truncated = bool(names) and names[-1].lower() in ("et al.", "et al", "others")
        return [n for n in names[: -1 if truncated else None] if n], truncated
    return split_authors(_text(value))


def _arxiv_from_links(record: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(arXiv id, link to it) from `id`/`abs`/`pdf`-style keys; the `abs` page is the link."""
    by_loose = {loose_key(str(k)): v for k, v in record.items()}
    found: str | None = None
    for key in _ARXIV_LINK_KEYS:
        value = by_loose.get(key)
        arxiv = whole_arxiv_id(value) if isinstance(value, str) else None
        if arxiv is None or (found is not None and arxiv != found):
            continue
        found = arxiv
        if isinstance(value, str) and value.strip().startswith("http"):
            return found, value.strip()
    return found, None


def _comment(record: Mapping[str, object]) -> str:
    return " ".join(_text(v) for k, v in record.items() if loose_key(str(k)) in _COMMENT_KEYS)


def _category(value: object) -> str | None:
    """A list of categories (arXiv: primary first) gives its first; a string is kept whole."""
    if isinstance(value, list):
        value = next((v for v in value if _text(v)), None)
    return _text(value) or None


def paper_from_record(
    record: Mapping[str, object], columns: Mapping[str, str], *, source: Source
) -> Paper | str:
    """The paper a record describes, or the reason it was skipped."""

    def get(field: str) -> object:
        key = columns.get(field)
        return None if key is None else record.get(key)

    title = _text(get("title"))
    abstract = str(get("abstract") or "").strip()
    if not title and not abstract:
        return "record has neither a title nor an abstract"
    authors, truncated = _authors(get("authors"))
    date = iso_date(_text(get("date"))) if get("date") else None
    year = parse_year(get("year")) or (parse_year(date) if date else None)
    affiliations_raw = get("affiliations")
    affiliations = (
        [_text(a) for a in affiliations_raw]
        if isinstance(affiliations_raw, list)
        else [a.strip() for a in _text(affiliations_raw).split(";") if a.strip()]
    )
    stated_code = find_urls(_text(get("code_url")))
    arxiv_id = _text(get("arxiv_id")) or None
    link = None
    if normalize_arxiv_id(arxiv_id) is None:
        arxiv_id, link = _arxiv_from_links(record)
    return make_paper(
        title=title,
        abstract=abstract,
        authors=authors,
        authors_truncated=truncated,
        affiliations=affiliations,
        year=year,
        date=date,
        category=_category(get("category")),
        has_code=True if stated_code else None,
        code_urls=[*stated_code, *find_urls(_comment(record))],
        doi=_text(get("doi")) or None,
        arxiv_id=arxiv_id,
        url=_text(get("url")) or link,
        source=source,
    )


def columns_for(keys: list[str], options: ReadOptions) -> dict[str, str]:
    """`resolve_columns` with the user's `--field` map."""
    return resolve_columns(keys, options.field_map)
