"""Plain-text and Markdown listings: the last-resort format, so it reads whatever it is given.

Three layouts: Markdown (each heading starts an entry), blank-line separated blocks that open
with a short title line, and a file holding one abstract (titled after the file when no title
line leads it). Lines such as `Authors: ...`, `DOI: ...` or `**Year:** 2021` right under a title
or right after the abstract are fields, not abstract text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from enrich.core.fields import find_urls, iso_date, parse_year, split_authors
from enrich.core.models import Source
from enrich.readers.base import ReadOptions, ReadResult, make_paper

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)")
_RULE = re.compile(r"^([-*_=])(?:\s*\1){2,}$")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z ]{0,24}?)\s*:\s*(.*)$")
_EMPHASIS = re.compile(r"\*\*|__|`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BULLET = re.compile(r"^\s*[-*+•]\s+")
_ENUM = re.compile(r"^(?:\d{1,3}[.)]|\[\d{1,3}\])\s+")
_SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?]\s+[A-Z]")
_STEM_SEPARATORS = re.compile(r"[\s_.-]+")
_MAX_TITLE = 200
_NOT_TITLE_ENDINGS = (".", ",", ";", ":", "-", "(", "\u2013")  # en dash
_CONTINUATION_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or"}
    | {"our", "that", "the", "their", "to", "we", "which", "with"}
)
# label (lowercase) -> field; "" marks labels we recognize only to keep them out of abstracts
_KEYS = {
    **dict.fromkeys(("author", "authors", "by"), "authors"),
    **dict.fromkeys(("affiliation", "affiliations"), "affiliations"),
    **dict.fromkeys(("year",), "year"),
    **dict.fromkeys(("date", "published"), "date"),
    **dict.fromkeys(("doi",), "doi"),
    **dict.fromkeys(("arxiv", "arxiv id"), "arxiv"),
    **dict.fromkeys(("url", "link", "pdf"), "url"),
    **dict.fromkeys(("code", "github", "comment", "comments", "note", "notes"), "code"),
    **dict.fromkeys(("category", "categories", "subject"), "category"),
    **dict.fromkeys(("title",), "title"),
    **dict.fromkeys(("abstract", "summary"), "abstract"),
    **dict.fromkeys(("keywords", "tags", "venue", "journal", "conference", "pages"), ""),
}


@dataclass
class _Entry:
    line: int  # 1-based line of the title (or of the first text)
    title: str = ""
    body: list[str] = field(default_factory=list)  # raw lines after the title; "" = blank
    url: str | None = None  # from a Markdown heading link


def _field(line: str) -> tuple[str, str] | None:
    """(field, value) when `line` is a `Key: value` line with a known key, else None."""
    bare = _EMPHASIS.sub("", _BULLET.sub("", line)).strip()
    if bare.rstrip(":.").lower() in ("abstract", "summary"):  # a bare "Abstract" label
        return "abstract", ""
    match = _FIELD.match(bare)
    if not match:
        return None
    key = _KEYS.get(" ".join(match.group(1).lower().split()))
    return None if key is None else (key, match.group(2).strip())


def _title_like(line: str) -> bool:
    """A short line that reads as a title rather than as prose or a field."""
    text = line.strip()
    if not text or len(text) > _MAX_TITLE or _BULLET.match(line) or find_urls(text):
        return False
    if _field(text) or text.endswith(_NOT_TITLE_ENDINGS) or _SENTENCE_BREAK.search(text):
        return False
    return text.split()[-1].lower() not in _CONTINUATION_WORDS and any(c.isalpha() for c in text)


def _clean_title(text: str) -> tuple[str, str | None]:
    """Title without Markdown emphasis, links or numbering; plus a linked URL if any."""
    link = _LINK.search(text)
    text = _ENUM.sub("", _EMPHASIS.sub("", _LINK.sub(r"\1", text)).strip())
    return " ".join(text.strip("*_ ").split()), link.group(2) if link else None


def _parse_body(body: list[str], markdown: bool) -> tuple[dict[str, list[str]], str]:
    """Split an entry's lines into leading/trailing fields and abstract paragraphs."""
    fields: dict[str, list[str]] = {}
    paragraphs: list[list[str]] = [[]]
    in_head = True
    for raw in body:
        line = raw.strip()
        if not line or _RULE.match(line):
            paragraphs.append([])
            continue
        found = _field(line) if in_head else None
        if found and found[0] != "abstract":
            fields.setdefault(found[0], []).append(found[1])
            continue
        in_head = False
        text = found[1] if found else line
        if text:
            paragraphs[-1].append(text)
    paragraphs = [p for p in paragraphs if p]
    while paragraphs:  # fields after the abstract (e.g. a closing `URL:` line)
        found = _field(paragraphs[-1][-1])
        if found is None or found[0] in ("abstract", "title"):
            break
        fields.setdefault(found[0], []).append(found[1])
        paragraphs[-1].pop()
        paragraphs = [p for p in paragraphs if p]
    abstract = "\n\n".join(" ".join(p) for p in paragraphs)
    if markdown:
        abstract = _EMPHASIS.sub("", _LINK.sub(r"\1 (\2)", abstract))
    return fields, abstract


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines, start=1):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _starts_entry(block: list[tuple[int, str]]) -> bool:
    """A block opens an entry with a `Title:` line or a title line that is not wrapped prose."""
    first = block[0][1]
    found = _field(first)
    if found and found[0] == "title":
        return True
    if not _title_like(first):
        return False
    return len(block) == 1 or not block[1][1].lstrip()[:1].islower()


def _text_entries(lines: list[str]) -> tuple[list[_Entry], _Entry]:
    """Entries of the block layout, plus any text found before the first title."""
    entries: list[_Entry] = []
    orphan = _Entry(line=0)
    for block in _blocks(lines):
        texts = [text for _, text in block]
        if _starts_entry(block):
            found = _field(texts[0])
            title = found[1] if found else texts[0]
            entries.append(_Entry(line=block[0][0], title=title, body=texts[1:]))
            continue
        target = entries[-1] if entries else orphan
        target.line = target.line or block[0][0]
        target.body += ["", *texts]
    return entries, orphan


def _markdown_entries(lines: list[str]) -> list[_Entry]:
    """One entry per heading; empty headings over deeper ones are sections, not papers."""
    sections: list[tuple[int, int, str, list[str]]] = []
    in_fence = False
    for number, raw in enumerate(lines, start=1):
        if _FENCE.match(raw):
            in_fence = not in_fence
        elif not in_fence and (match := _HEADING.match(raw)):
            sections.append((number, len(match.group(1)), match.group(2), []))
        elif not in_fence and sections:
            sections[-1][3].append(raw)

    def is_abstract(heading: str) -> bool:
        return _clean_title(heading)[0].rstrip(":").lower() in ("abstract", "summary")

    entries: list[_Entry] = []
    for index, (number, level, heading, body) in enumerate(sections):
        nxt = sections[index + 1] if index + 1 < len(sections) else None
        empty = not any(line.strip() and not _RULE.match(line.strip()) for line in body)
        if empty and nxt and nxt[1] > level and not is_abstract(nxt[2]):
            continue
        if is_abstract(heading) and entries:
            entries[-1].body += ["", *body]
            continue
        title, url = ("", None) if is_abstract(heading) else _clean_title(heading)
        entries.append(_Entry(line=number, title=title, body=body, url=url))
    return entries


def _first_url(value: str) -> str | None:
    urls = find_urls(value)
    return urls[0] if urls else (value or None)


class TextReader:
    """Reads .txt/.md listings; accepts any non-empty text as the format of last resort."""

    name = "text"
    extensions: tuple[str, ...] = (".txt", ".md", ".markdown", ".text")

    def sniff(self, text: str) -> bool:
        """True for any text that is not blank."""
        return bool(text.strip())

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        """Pick the layout, then turn each entry into a paper."""
        result = ReadResult()
        lines = text.splitlines()
        headings = _markdown_entries(lines)
        markdown = bool(headings) or PurePath(path).suffix.lower() in (".md", ".markdown")
        fmt = "markdown" if markdown else "text"
        if headings:
            entries = headings
        else:
            entries, orphan = _text_entries(lines)
            parsed = [_parse_body(e.body, markdown) for e in entries]
            if orphan.body and not any(abstract for _, abstract in parsed):
                entries = [_Entry(line=orphan.line or 1, body=lines)]  # one abstract per file
            elif orphan.body:
                result.warn(path, "text before the first title was ignored", orphan.line)
        stem = _STEM_SEPARATORS.sub(" ", PurePath(path).stem).strip()
        for index, entry in enumerate(entries):
            fields, abstract = _parse_body(entry.body, markdown)
            if not (entry.title or abstract or fields):
                continue
            if entry.title and not abstract and index == len(entries) - 1:
                result.warn(
                    path,
                    f"entry at line {entry.line} has a title but no abstract (truncated?)",
                    entry.line,
                )
            self._add(
                entry,
                fields,
                abstract,
                stem,
                Source(path=path, line=entry.line, format=fmt),
                result,
            )
        return result

    @staticmethod
    def _add(
        entry: _Entry,
        fields: dict[str, list[str]],
        abstract: str,
        stem: str,
        source: Source,
        result: ReadResult,
    ) -> None:
        """Map recognized fields onto the paper; the file name stands in for a missing title."""

        def first(key: str) -> str:
            return fields.get(key, [""])[0]

        title = _clean_title(entry.title or first("title"))[0] or stem
        authors, truncated = split_authors(first("authors"))
        date = iso_date(first("date"))
        url = _first_url(first("url")) or entry.url
        linked = url or ""
        code = [u for value in fields.get("code", []) for u in find_urls(value)]
        result.papers.append(
            make_paper(
                title=title,
                abstract=abstract,
                authors=authors,
                authors_truncated=truncated,
                affiliations=[
                    a.strip() for a in re.split(r"[;,]", first("affiliations")) if a.strip()
                ],
                year=parse_year(first("year")) or parse_year(date),
                date=date,
                category=first("category") or None,
                code_urls=code,
                doi=first("doi") or (linked if "doi.org/" in linked else None),
                arxiv_id=first("arxiv") or (linked if "arxiv.org/" in linked else None),
                url=url,
                source=source,
            )
        )


READER = TextReader()
