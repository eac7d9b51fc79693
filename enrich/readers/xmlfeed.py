"""arXiv Atom API responses and OAI-PMH harvests (metadata formats arXiv, arXivRaw, oai_dc).

Tags are matched by local name, so namespace variants (http/https, arXiv vs arXivRaw) need no
special cases. Parsing, line numbers and recovery after a syntax error live in `xmlparse`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

from enrich.core.fields import find_urls, iso_date, parse_year, split_authors
from enrich.core.identity import normalize_arxiv_id, normalize_doi
from enrich.core.models import Source
from enrich.readers.base import ReadOptions, ReadResult, make_paper
from enrich.readers.xmlparse import local_name as _local
from enrich.readers.xmlparse import parse_feed

_SNIFF = re.compile(r"^\ufeff?\s*(?:<\?xml|<feed\b|<OAI-PMH\b)")


def _kids(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in elem if _local(child.tag) == name)


def _text(elem: ET.Element, name: str) -> str:
    """Whitespace-collapsed text of the first child called `name` ("" when absent)."""
    child = next(_kids(elem, name), None)
    return " ".join("".join(child.itertext()).split()) if child is not None else ""


def _texts(elem: ET.Element, name: str) -> list[str]:
    found = (" ".join("".join(c.itertext()).split()) for c in _kids(elem, name))
    return [t for t in found if t]


def _rfc2822_date(raw: str) -> str | None:
    """arXivRaw version dates look like `Mon, 22 May 2023 17:55:33 GMT`."""
    try:
        return parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError):
        return None


class XmlReader:
    """Reads arXiv Atom feeds and OAI-PMH responses; unknown XML shapes only warn."""

    name = "xml"
    extensions: tuple[str, ...] = (".xml", ".atom")

    def sniff(self, text: str) -> bool:
        """True when the text opens with an XML declaration, `<feed` or `<OAI-PMH`."""
        return bool(_SNIFF.match(text))

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        """Every complete Atom entry or OAI record becomes a paper."""
        result = ReadResult()
        parsed = parse_feed(text, path, result)
        if parsed.root is None:
            return result
        is_oai = _local(parsed.root.tag) == "OAI-PMH"  # elsewhere <record> means other things
        items = [(e, line) for e, line in parsed.items if is_oai or _local(e.tag) == "entry"]
        for item, source_line in items:
            if _local(item.tag) == "entry":
                self._atom(item, Source(path=path, line=source_line, format="atom"), result)
            else:
                self._oai(item, Source(path=path, line=source_line, format="oai"), result)
        for error in _kids(parsed.root, "error"):  # OAI-PMH protocol errors
            message = " ".join("".join(error.itertext()).split())
            result.warn(path, f"OAI-PMH error {error.get('code', '')}: {message}".strip())
        if not items and not result.warnings:
            result.warn(path, "no Atom entries or OAI records found")
        return result

    def _atom(self, entry: ET.Element, source: Source, result: ReadResult) -> None:
        """One Atom `<entry>`: arXiv API fields where present, plain Atom otherwise."""
        entry_id = _text(entry, "id")
        summary = _text(entry, "summary") or _text(entry, "content")
        if "/api/errors" in entry_id:
            result.warn(source.path, f"arXiv API error: {summary or entry_id}", source.line)
            return
        authors: list[str] = []
        affiliations: list[str] = []
        for author in _kids(entry, "author"):
            authors.append(_text(author, "name"))
            affiliations += [a for a in _texts(author, "affiliation") if a not in affiliations]
        links = {
            (link.get("title") or link.get("rel") or ""): link.get("href", "")
            for link in _kids(entry, "link")
        }
        published = iso_date(_text(entry, "published") or _text(entry, "updated"))
        primary = next(_kids(entry, "primary_category"), None)
        category = next(_kids(entry, "category"), None) if primary is None else primary
        arxiv_id = normalize_arxiv_id(entry_id.split("/abs/")[-1]) if "arxiv" in entry_id else None
        web_id = entry_id if entry_id.startswith("http") else None  # not a `tag:` URI
        self._add(
            result,
            title=_text(entry, "title"),
            abstract=summary,
            authors=authors,
            affiliations=affiliations,
            date=published,
            category=None if category is None else category.get("term"),
            doi=_text(entry, "doi") or links.get("doi"),
            arxiv_id=arxiv_id,
            url=links.get("alternate") or links.get("pdf") or web_id,
            comment=_text(entry, "comment"),
            source=source,
        )

    def _oai(self, record: ET.Element, source: Source, result: ReadResult) -> None:
        """One OAI-PMH `<record>` in the arXiv, arXivRaw or oai_dc metadata format."""
        header = next(_kids(record, "header"), None)
        metadata = next(_kids(record, "metadata"), None)
        if (header is not None and header.get("status") == "deleted") or metadata is None:
            return
        meta = next(iter(metadata), None)
        kind = _local(None if meta is None else meta.tag)
        if meta is None or kind not in ("arXiv", "arXivRaw", "dc"):
            result.warn(source.path, f"OAI record in unsupported format {kind!r}", source.line)
        elif kind == "dc":
            self._dc(meta, source, result)
        else:
            self._arxiv_meta(meta, source, result)

    def _arxiv_meta(self, meta: ET.Element, source: Source, result: ReadResult) -> None:
        """arXiv (structured author names) or arXivRaw (one author string, version dates)."""
        authors_elem = next(_kids(meta, "authors"), None)
        authors: list[str] = []
        affiliations: list[str] = []
        truncated = False
        if authors_elem is not None and len(authors_elem):  # arXiv: structured names
            for author in _kids(authors_elem, "author"):
                parts = [_text(author, p) for p in ("forenames", "keyname", "suffix")]
                authors.append(" ".join(p for p in parts if p))
                affiliations += [a for a in _texts(author, "affiliation") if a not in affiliations]
        elif authors_elem is not None:  # arXivRaw: one "A, B and C" string
            authors, truncated = split_authors("".join(authors_elem.itertext()))
        versions = [_text(v, "date") for v in _kids(meta, "version")]
        date = iso_date(_text(meta, "created")) or next(
            (d for d in map(_rfc2822_date, versions) if d), None
        )
        arxiv_id = _text(meta, "id")
        self._add(
            result,
            title=_text(meta, "title"),
            abstract=_text(meta, "abstract"),
            authors=authors,
            authors_truncated=truncated,
            affiliations=affiliations,
            date=date,
            category=next(iter(_text(meta, "categories").split()), None),
            doi=_text(meta, "doi"),
            arxiv_id=arxiv_id,
            url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
            comment=_text(meta, "comments"),
            source=source,
        )

    def _dc(self, meta: ET.Element, source: Source, result: ReadResult) -> None:
        """Dublin Core: `Last, First` creators; identifiers hold the arXiv URL and/or DOI."""
        descriptions = _texts(meta, "description")
        abstract = " ".join(d for d in descriptions if not d.lower().startswith("comment:"))
        identifiers = _texts(meta, "identifier")
        authors, truncated = split_authors("; ".join(_texts(meta, "creator")))
        dates = [d for d in map(iso_date, _texts(meta, "date")) if d]
        urls = [i for i in identifiers if i.startswith("http")]
        self._add(
            result,
            title=_text(meta, "title"),
            abstract=abstract,
            authors=authors,
            authors_truncated=truncated,
            date=min(dates, default=None),
            category=next(iter(_texts(meta, "subject")), None),
            doi=next((d for d in map(normalize_doi, identifiers) if d), None),
            arxiv_id=next((normalize_arxiv_id(i) for i in identifiers if "arxiv" in i), None),
            url=urls[0] if urls else None,
            comment=" ".join(d for d in descriptions if d.lower().startswith("comment:")),
            source=source,
        )

    @staticmethod
    def _add(
        result: ReadResult,
        *,
        source: Source,
        title: str,
        abstract: str,
        comment: str = "",
        authors: list[str] | None = None,
        authors_truncated: bool = False,
        affiliations: list[str] | None = None,
        date: str | None = None,
        category: str | None = None,
        doi: str | None = None,
        arxiv_id: str | None = None,
        url: str | None = None,
    ) -> None:
        """Append the paper, or warn when the item has nothing to read."""
        if not title and not abstract:
            result.warn(source.path, "entry has neither title nor abstract", source.line)
            return
        result.papers.append(
            make_paper(
                title=title,
                abstract=abstract,
                authors=authors,
                authors_truncated=authors_truncated,
                affiliations=affiliations,
                year=parse_year(date),
                date=date,
                category=category,
                code_urls=find_urls(f"{abstract} {comment}"),
                doi=doi,
                arxiv_id=arxiv_id,
                url=url or None,
                source=source,
            )
        )


READER = XmlReader()
