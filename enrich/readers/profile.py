"""Researcher profile dumps saved from a paper-discovery site.

A dump may open with a profile header (name, primary category, `h-index37`, `14papers`,
`330citations`, `Novelty60%`, `AI Score62`, `14 Papers`); then every paper starts with a header
line `[score]CATEGORYDate[Code]` (`92.7CLMay 28Code`, `CVDec 26, 2023`). Two layouts follow it:
- separated: title, blank line, authors (`A, B et al. · aff`), blank line, abstract;
- glued: `TitleAuthors` on one line (see `enrich.core.names.split_glued`), then the abstract.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from enrich.core.fields import find_urls
from enrich.core.models import Profile, Source
from enrich.core.names import AuthorLine, parse_author_line, split_glued
from enrich.readers.base import ReadOptions, ReadResult, make_paper

_MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
ENTRY_HEADER = re.compile(
    r"^(?P<score>\d{1,3}(?:\.\d+)?)?(?P<category>[A-Z]{2,4})"
    r"(?P<month>" + "|".join(_MONTHS) + r") (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?"
    r"(?P<code>Code)?$"
)
_HEADER_FIELDS: dict[str, re.Pattern[str]] = {
    "h_index": re.compile(r"^h-index\s*(\d+)$", re.IGNORECASE),
    "papers": re.compile(r"^([\d,]+)\s*papers$"),
    "citations": re.compile(r"^([\d,]+)\s*citations$", re.IGNORECASE),
    "novelty": re.compile(r"^Novelty\s*(\d+(?:\.\d+)?)%$", re.IGNORECASE),
    "score": re.compile(r"^AI Score\s*(\d+(?:\.\d+)?)$", re.IGNORECASE),
}
_LISTING_COUNT = re.compile(r"^[\d,]+ Papers$")
_CATEGORY = re.compile(r"^[A-Z]{2,4}$")
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass
class _Line:
    number: int  # 1-based
    text: str


@dataclass
class _Entry:
    header: re.Match[str]
    line: int
    body: list[_Line]  # non-blank lines after the header
    blank_after_first: bool  # separated layout: a blank line follows the title


def _iso_date(match: re.Match[str]) -> tuple[str | None, int | None]:
    month = _MONTHS[match["month"]]
    day = int(match["day"])
    year = int(match["year"]) if match["year"] else None
    max_day = calendar.monthrange(year if year else 2000, month)[1]  # 2000: Feb 29 allowed
    if not 1 <= day <= max_day:
        return None, year
    if year is None:
        return f"--{month:02d}-{day:02d}", None  # ISO 8601 date without a year
    return f"{year:04d}-{month:02d}-{day:02d}", year


def _number(text: str) -> float:
    return float(text.replace(",", ""))


class ProfileReader:
    """Profile dumps in either layout."""

    name = "profile"
    extensions: tuple[str, ...] = (".txt",)

    def sniff(self, text: str) -> bool:
        lines = (line.strip() for line in text.splitlines())
        return any(ENTRY_HEADER.match(line) for line in lines)

    def read(self, text: str, path: str, options: ReadOptions) -> ReadResult:
        result = ReadResult()
        lines = [_Line(i + 1, raw.strip()) for i, raw in enumerate(text.splitlines())]
        first_entry = next(
            (i for i, ln in enumerate(lines) if ENTRY_HEADER.match(ln.text)), len(lines)
        )
        profile = self._profile(lines[:first_entry], path)
        entries = self._entries(lines[first_entry:])
        profile.entries = len(entries)
        result.profiles.append(profile)
        known, vocabulary = self._file_knowledge(entries)
        truncated_tail = not text.endswith("\n")
        for index, entry in enumerate(entries):
            is_last = index == len(entries) - 1
            self._read_entry(
                entry, path, profile, result, known, vocabulary, last=is_last and truncated_tail
            )
        return result

    def _profile(self, lines: list[_Line], path: str) -> Profile:
        profile = Profile(path=path)
        for ln in lines:
            if not ln.text or _LISTING_COUNT.match(ln.text):
                continue
            for field, pattern in _HEADER_FIELDS.items():
                match = pattern.match(ln.text)
                if match:
                    value = _number(match.group(1))
                    is_int = field in ("h_index", "papers", "citations")
                    setattr(profile, field, int(value) if is_int else value)
                    break
            else:
                if _CATEGORY.match(ln.text) and profile.category is None:
                    profile.category = ln.text
                elif profile.name is None and profile.category is None:
                    profile.name = ln.text
        return profile

    def _entries(self, lines: list[_Line]) -> list[_Entry]:
        entries: list[_Entry] = []
        for i, ln in enumerate(lines):
            match = ENTRY_HEADER.match(ln.text)
            if match:
                entries.append(_Entry(match, ln.number, [], False))
            elif entries and ln.text:
                entry = entries[-1]
                if len(entry.body) == 1 and not lines[i - 1].text:
                    entry.blank_after_first = True
                entry.body.append(ln)
        return entries

    def _file_knowledge(self, entries: list[_Entry]) -> tuple[set[str], set[str]]:
        """Names and words of this file that settle glued splits letter case cannot."""
        known: set[str] = set()
        vocabulary: set[str] = set()
        for entry in entries:
            for ln in entry.body:
                if ln.text.count(",") and len(ln.text) < 400:
                    # non-first names of a glued line, and whole separated author lines
                    tail = ln.text.split(" · ")[0].split(",")
                    known.update(n.strip().casefold() for n in tail[1:])
                    parsed = parse_author_line(ln.text)
                    if parsed:
                        known.update(n.casefold() for n in parsed.authors)
                if len(ln.text) >= 200:
                    vocabulary.update(w.casefold() for w in _WORD.findall(ln.text))
        return known, vocabulary

    def _read_entry(
        self,
        entry: _Entry,
        path: str,
        profile: Profile,
        result: ReadResult,
        known: set[str],
        vocabulary: set[str],
        *,
        last: bool,
    ) -> None:
        body = entry.body
        if not body:
            result.warn(path, "paper header with no title after it (truncated entry?)", entry.line)
            return
        authors: AuthorLine | None = None
        separated = entry.blank_after_first or (
            len(body) >= 3 and parse_author_line(body[1].text) is not None
        )
        if separated and len(body) >= 2:
            title = body[0].text
            authors = parse_author_line(body[1].text)
            if authors is None:
                result.warn(path, "author line not recognized; kept as is", body[1].number)
                authors = AuthorLine([body[1].text], False, [])
            abstract_lines = body[2:]
        else:
            split = split_glued(body[0].text, known_names=known, vocabulary=vocabulary)
            if split is None:
                result.warn(
                    path,
                    "could not separate title from authors; kept the line as the title",
                    body[0].number,
                )
                title = body[0].text
            else:
                title, authors = split.title, split.authors
                if not split.confident:
                    result.warn(
                        path,
                        f"title/author boundary guessed: title ends {title[-20:]!r}",
                        body[0].number,
                    )
            abstract_lines = body[1:]
        abstract = "\n".join(ln.text for ln in abstract_lines)
        if not abstract:
            result.warn(path, "paper has no abstract (truncated entry?)", entry.line)
        elif last and abstract[-1] not in ".!?)]}\"'" and not find_urls(abstract[-80:]):
            result.warn(path, "last entry ends mid-sentence (truncated file?)", entry.line)
        date, year = _iso_date(entry.header)
        score = entry.header["score"]
        result.papers.append(
            make_paper(
                title=title,
                abstract=abstract,
                authors=authors.authors if authors else [],
                authors_truncated=authors.truncated if authors else False,
                affiliations=authors.affiliations if authors else [],
                year=year,
                date=date,
                category=entry.header["category"],
                score=float(score) if score else None,
                has_code=entry.header["code"] is not None,
                source=Source(path=path, line=entry.line, format=self.name, profile=profile.name),
            )
        )


READER = ProfileReader()
