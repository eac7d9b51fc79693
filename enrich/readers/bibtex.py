"""BibTeX listings (.bib), parsed by bibtexparser v2.

LaTeX is decoded *before* author lists are split, keeping braced groups, so that a corporate
author such as `{Simon and Schuster}` stays one name; the protective braces are dropped only
when a value is read. URLs, DOIs and eprint ids are kept verbatim because LaTeX decoding would
mangle `%` and `~` in them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from bibtexparser import middlewares as mw
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares.names import NameParts, parse_single_name_into_parts
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
)

from enrich.core.fields import iso_date, parse_year
from enrich.core.identity import normalize_arxiv_id
from enrich.core.models import Source
from enrich.readers.base import ReadOptions, ReadResult, make_paper

_ENTRY_TYPES = (
    "article|book|booklet|collection|conference|dataset|electronic|inbook|incollection|"
    "inproceedings|manual|mastersthesis|misc|online|patent|phdthesis|preprint|proceedings|"
    "report|software|techreport|thesis|unpublished|www"
)
_SNIFF = re.compile(
    rf"^[ \t]*@[ \t]*(?:{_ENTRY_TYPES})[ \t]*[{{(][ \t]*[^\s,={{}}()\"]+[ \t]*,",
    re.IGNORECASE | re.MULTILINE,
)
_SNIFF_WINDOW = 8192
_VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "arxiv", "arxivid"})
_VERBATIM_KEY = "enrich_verbatim"
_TEX_ESCAPE = re.compile(r"\\([_%&#~$])")

# bibtexparser logs each failed block itself (with 0-based lines); `read` already reports them as
# warnings, so keep its log off stderr unless the application configures logging.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())


class _KeepVerbatim(mw.BlockMiddleware):
    """Stash identifier fields before LaTeX decoding so they can be read undamaged."""

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        verbatim = {
            f.key.lower(): f.value
            for f in entry.fields
            if f.key.lower() in _VERBATIM_FIELDS and isinstance(f.value, str)
        }
        entry.set_parser_metadata(_VERBATIM_KEY, verbatim)
        return entry


def _clean(value: object) -> str:
    """A decoded field value as plain text: braces dropped, whitespace collapsed."""
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        return ""
    return " ".join(value.replace("{", "").replace("}", "").split())


def _clean_verbatim(value: str) -> str:
    """An undecoded identifier: `\\_` -> `_`, braces and `\\url{}` wrappers dropped."""
    value = value.strip()
    if value.startswith("\\url"):
        value = value[4:]
    return _clean(_TEX_ESCAPE.sub(r"\1", value))


def _display_name(name: object) -> str:
    """One author as "First von Last Jr", whatever stage of name splitting it reached."""
    if isinstance(name, str):
        name = parse_single_name_into_parts(name, strict=False)
    if isinstance(name, NameParts):
        return _clean(" ".join([*name.first, *name.von, *name.last, *name.jr]))
    return ""


def _authors(value: object) -> tuple[list[str], bool]:
    """Display names, and whether the list ended in `and others`."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return [], False
    names = [_display_name(n) for n in value]
    truncated = any(n.lower() == "others" for n in names)
    return [n for n in names if n and n.lower() != "others"], truncated


def _date(raw_date: str, year: int | None, month: object) -> str | None:
    """ISO date from a biblatex `date`, else from `year` + `month` (made numeric upstream)."""
    if raw_date:
        return iso_date(raw_date)
    if year is None:
        return None
    if isinstance(month, int) and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


class BibtexReader:
    """Reads `.bib` files; each entry with a title or an abstract becomes a paper."""

    name = "bibtex"
    extensions: tuple[str, ...] = (".bib", ".bibtex")

    def sniff(self, text: str) -> bool:
        """True when a BibTeX entry start such as `@article{key,` appears near the top."""
        return bool(_SNIFF.search(text[:_SNIFF_WINDOW]))

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        """Parse every block; failed, duplicate and empty entries become warnings."""
        result = ReadResult()
        library = parse_string(
            text,
            append_middleware=[
                _KeepVerbatim(),
                mw.LatexDecodingMiddleware(keep_braced_groups=True),
                mw.MonthIntMiddleware(),
                mw.SeparateCoAuthors(),
                mw.SplitNameParts(),
            ],
        )
        for block in library.blocks:
            line = None if block.start_line is None else block.start_line + 1
            if isinstance(block, DuplicateBlockKeyBlock):
                first = block.previous_block.start_line
                where = "" if first is None else f" (first used at line {first + 1})"
                result.warn(path, f"duplicate BibTeX key {block.key!r}{where}; skipped", line)
            elif isinstance(block, MiddlewareErrorBlock) and isinstance(
                block.ignore_error_block, Entry
            ):
                # e.g. an author name bibtexparser cannot split strictly: read what we have
                self._read_entry(block.ignore_error_block, line, path, options, result)
            elif isinstance(block, DuplicateFieldKeyBlock):
                keys = ", ".join(sorted(block.duplicate_keys))
                result.warn(path, f"BibTeX entry repeats field(s) {keys}; skipped", line)
            elif isinstance(block, ParsingFailedBlock):
                start = (block.raw or "").strip().splitlines()[:1]
                shown = f" `{start[0][:60]}`" if start else ""
                result.warn(path, f"could not parse BibTeX block{shown}; skipped", line)
            elif isinstance(block, Entry):
                self._read_entry(block, line, path, options, result)
        return result

    def _read_entry(
        self, entry: Entry, line: int | None, path: str, options: ReadOptions, result: ReadResult
    ) -> None:
        """Map one entry's fields onto a paper (or a warning when it has nothing to read)."""
        fields: dict[str, Any] = {f.key.lower(): f.value for f in entry.fields}
        verbatim: Mapping[str, str] = entry.get_parser_metadata(_VERBATIM_KEY) or {}

        def key(name: str) -> str:
            return options.field_map.get(name, name).lower()

        def get(name: str) -> str:
            if key(name) in verbatim:
                return _clean_verbatim(verbatim[key(name)])
            return _clean(fields.get(key(name)))

        title, abstract = get("title"), get("abstract")
        if not title and not abstract:
            result.warn(path, f"BibTeX entry {entry.key!r} has neither title nor abstract", line)
            return
        authors, truncated = _authors(fields.get(key("author")))
        raw_date = get("date")
        year = parse_year(get("year")) or parse_year(raw_date)
        url = get("url")
        result.papers.append(
            make_paper(
                title=title,
                abstract=abstract,
                authors=authors,
                authors_truncated=truncated,
                year=year,
                date=_date(raw_date, year, fields.get(key("month"))),
                doi=get("doi"),
                arxiv_id=self._arxiv_id(get, url),
                url=url,
                source=Source(path=path, line=line, format="bibtex"),
            )
        )

    @staticmethod
    def _arxiv_id(get: Callable[[str], str], url: str) -> str | None:
        """arXiv id from eprint (+archivePrefix/eprinttype), an `arxiv` field, journal or URL."""
        prefix = (get("archiveprefix") or get("eprinttype")).lower()
        candidates = [get("eprint")] if prefix in ("", "arxiv") else []
        candidates += [get("arxiv"), get("arxivid")]
        journal = get("journal")
        if "arxiv" in journal.lower():  # Google Scholar: "arXiv preprint arXiv:2305.14336"
            candidates.append(journal)
        if "arxiv.org/" in url.lower():
            candidates.append(url)
        for candidate in candidates:
            found = normalize_arxiv_id(candidate)
            if found:
                return found
        return None


READER = BibtexReader()
