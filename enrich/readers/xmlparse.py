"""Pull-parse an XML feed into its complete entries or records, with lines and recovery.

Each line is fed to a pull parser: that gives every item its line cheaply and, when the file is
truncated, keeps every item that was complete. After a syntax error the rest of the file is read
item by item: each later `<entry>` (Atom) or `<record>` (OAI-PMH) is parsed on its own, inside a
wrapper that carries the feed's namespace declarations, so one broken item costs only itself.
"""

from __future__ import annotations

import bisect
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

from enrich.readers.base import ReadResult

ITEMS = frozenset({"entry", "record"})
_XMLNS = re.compile(r"""\sxmlns(?::([\w.-]+))?\s*=\s*("[^"]*"|'[^']*')""")
_WRAPPER = "enrich-recovered"


@dataclass
class ParsedFeed:
    """The document's root element and every complete item, in order, with its start line."""

    root: ET.Element | None = None
    items: list[tuple[ET.Element, int | None]] = field(default_factory=list)


def local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _feed(
    parsed: ParsedFeed, chunks: Iterable[str], first_line: int, *, top: bool
) -> ET.ParseError | None:
    """Feed `chunks` (chunk i is line first_line + i) to a new parser; the error, if any."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    starts: dict[int, int] = {}  # id(item) -> line of its start tag, while it is open

    def drain(number: int) -> None:
        for event in parser.read_events():
            kind, elem = event[0], event[-1]
            if not isinstance(elem, ET.Element):
                continue
            if top and parsed.root is None:
                parsed.root = elem
            if local_name(elem.tag) in ITEMS:
                if kind == "start":
                    starts[id(elem)] = number
                else:
                    parsed.items.append((elem, starts.pop(id(elem), None)))

    number = first_line
    try:
        for number, chunk in enumerate(chunks, start=first_line):
            parser.feed(chunk)
            drain(number)
        parser.close()
        drain(number)
    except ET.ParseError as exc:
        drain(number)
        return exc
    return None


def _reason(error: ET.ParseError) -> str:
    return str(error).split(":", 1)[0]


class _Recovery:
    """Reads the items after a syntax error one at a time."""

    def __init__(self, text: str, lines: list[str], tag: str) -> None:
        self.text = text
        self.tag = tag
        self.starts = [0]  # offset of each line
        for line in lines:
            self.starts.append(self.starts[-1] + len(line))
        self.opener = re.compile(rf"<(?:[\w.-]+:)?{tag}(?=[\s/>])")
        self.closer = re.compile(rf"</(?:[\w.-]+:)?{tag}\s*>")
        first = self.opener.search(text)
        declared = dict(_XMLNS.findall(text[: first.start() if first else 0]))
        attributes = "".join(
            f" xmlns{':' + prefix if prefix else ''}={uri}" for prefix, uri in declared.items()
        )
        self.wrapper = f"<{_WRAPPER}{attributes}>"

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def offset_of(self, line: int, column: int) -> int:
        """Offset of an expat position (1-based line, 0-based column), kept inside that line."""
        if line > len(self.starts) - 1:
            return len(self.text)
        start, end = self.starts[line - 1], self.starts[line]
        return min(start + max(column, 0), end)

    def next_item(self, offset: int) -> int | None:
        match = self.opener.search(self.text, offset)
        return None if match is None else match.start()

    def read_from(self, offset: int, parsed: ParsedFeed, path: str, result: ReadResult) -> None:
        """Parse every item that starts at or after `offset`; warn for each one that fails."""
        start = self.next_item(offset)
        while start is not None:
            line = self.line_of(start)
            after = self.next_item(start + 1)
            end = len(self.text) if after is None else after  # linear even if nothing closes
            close = self.closer.search(self.text, start, end)
            if close is None:
                message = f"this <{self.tag}> is never closed; skipped (close it to read it)"
                result.warn(path, message, line)
                start = after
                continue
            item = io.StringIO(self.text[start : close.end()], newline="").readlines()
            chunks = [self.wrapper + item[0], *item[1:], f"</{_WRAPPER}>"]
            error = _feed(parsed, chunks, line, top=False)
            if error is not None:
                where = line + error.position[0] - 1
                message = f"malformed XML ({_reason(error)}); this <{self.tag}> was skipped"
                result.warn(path, f"{message} (fix it here to read it)", where)
            start = self.next_item(close.end())


def parse_feed(text: str, path: str, result: ReadResult) -> ParsedFeed:
    """Every complete item of `text`; a syntax error is warned with its line, and reading
    resumes at the next item after it."""
    parsed = ParsedFeed()
    lines = io.StringIO(text, newline="").readlines()  # the line ends expat counts
    error = _feed(parsed, lines, 1, top=True)
    if error is None:
        return parsed
    line = min(error.position[0], len(lines)) or None
    reason = _reason(error)
    if parsed.root is None:
        result.warn(path, f"malformed XML ({reason}); nothing could be read", line)
        return parsed
    tag = "record" if local_name(parsed.root.tag) == "OAI-PMH" else "entry"
    recovery = _Recovery(text, lines, tag)
    offset = recovery.offset_of(*error.position)
    resume = recovery.next_item(offset)
    if resume is None:
        result.warn(path, f"malformed XML ({reason}); entries after this point were lost", line)
        return parsed
    result.warn(
        path,
        f"malformed XML ({reason}); skipped to the next <{tag}>, at line "
        f"{recovery.line_of(resume)} (fix the XML here to read what was skipped)",
        line,
    )
    recovery.read_from(resume, parsed, path, result)
    return parsed
