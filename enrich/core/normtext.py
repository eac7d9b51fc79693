"""Text folded for matching, with a map from every folded character back to the original.

Models copy abstracts loosely: they drop LaTeX (`$98.7\\%$` -> "98.7%"), turn `$\\times$` into
"x", and swap Unicode minus signs and dashes for hyphens. Folding both sides into one form lets
such copies meet, and the map keeps every span on the abstract's own characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# LaTeX commands that only style their argument: dropped with their opening brace.
_STYLES = frozenset({
    "textbf", "textit", "textrm", "textsf", "texttt", "textsc", "textup", "emph", "mathrm",
    "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathbb", "boldsymbol", "bm", "text",
    "underline",
})  # fmt: skip
# LaTeX commands and escapes written as the plain character a model would write instead.
_COMMANDS = {
    "times": "x", "%": "%", "pm": "\u00b1", "sim": "~", "approx": "\u2248", "le": "\u2264",
    "leq": "\u2264", "ge": "\u2265", "geq": "\u2265", "to": "\u2192", "rightarrow": "\u2192",
    "cdot": "\u00b7", ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "\\": " ", "&": "&",
    "_": "_", "#": "#", "{": "", "}": "",
}  # fmt: skip
_CHARS = {
    "$": "", "{": "", "}": "", "\u00d7": "x", "\uff05": "%", "\u2018": "'", "\u2019": "'",
    "\u201c": '"', "\u201d": '"', "\u2212": "-",
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015", "-"),
}  # fmt: skip
_SPECIAL = re.compile(
    r"\\(?:(?P<cmd>[A-Za-z]+)(?:\s*\{)?|(?P<esc>.))|(?P<dashes>-{2,3})"
    r"|(?P<space>\s{2,}|[^\S ])"  # a single space is plain text: copied with its word
    r"|[$\{\}\u00d7\uff05\u2018\u2019\u201c\u201d\u2212\u2010-\u2015]",
    re.DOTALL,
)


@dataclass(frozen=True)
class Folded:
    """`text` folded (casefolded, LaTeX and Unicode variants unified, whitespace collapsed);
    folded character i came from original characters [starts[i], ends[i])."""

    text: str
    starts: list[int]
    ends: list[int]

    def source(self, start: int, end: int) -> tuple[int, int]:
        """The original span that folded characters [start, end) came from."""
        return self.starts[start], self.ends[end - 1]


def fold(text: str) -> Folded:
    """Fold `text` for matching, keeping where each folded character came from."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    space = True  # at the start, or after a space: further spaces are dropped

    def emit(chars: str, start: int, end: int) -> None:
        nonlocal space
        for char in chars:
            if char == " ":
                if space:
                    continue
                space = True
            else:
                space = False
            out.append(char)
            starts.append(start)
            ends.append(end)

    def plain(start: int, end: int) -> None:
        """Copy text without specials (single spaces included) casefolded, in one piece."""
        nonlocal space
        if space and start < end and text[start] == " ":
            start += 1
        if start >= end:
            return
        chunk = text[start:end]
        folded = chunk.casefold()
        if len(folded) == len(chunk):
            out.append(folded)
            starts.extend(range(start, end))
            ends.extend(range(start + 1, end + 1))
            space = chunk[-1] == " "
        else:
            for i, char in enumerate(chunk, start):
                emit(char.casefold(), i, i + 1)

    position = 0
    for match in _SPECIAL.finditer(text):
        plain(position, match.start())
        start, end = match.span()
        position = end
        if match.group("space"):
            emit(" ", start, end)
        elif match.group("dashes"):
            emit("-", start, end)
        elif (command := match.group("cmd")) is not None:
            if command in _COMMANDS:
                emit(_COMMANDS[command], start, end)
            elif command not in _STYLES:
                plain(start, start + 1 + len(command))  # unknown command: kept as written
        elif (escaped := match.group("esc")) is not None:
            emit(_COMMANDS.get(escaped, escaped.casefold()), start, end)
        else:
            emit(_CHARS[match.group(0)], start, end)
    plain(position, len(text))
    while out and out[-1] == " ":
        out.pop()
        starts.pop()
        ends.pop()
    return Folded("".join(out), starts, ends)


_DIGIT_GAP = re.compile(r"(?<=\d)[ -]+(?=\d)")


def compact(folded: str) -> str:
    """A folded string without spaces and hyphens, so "CIFAR 100", "CIFAR-100" and "CIFAR100"
    meet; a gap between two digits becomes "|", so "Llama-2-70B" does not read as "270B"."""
    return _DIGIT_GAP.sub("|", folded).replace(" ", "").replace("-", "")


def balance(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) over the `$`, braces and style command that a span cuts in half,
    so "1.47 $\\times" becomes "1.47 $\\times$" and "\\textbf{4.7\\%" gets its closing brace."""
    inside = text[start:end]
    dollars = inside.count("$") - inside.count("\\$")
    opened = inside.count("{") - inside.count("}")
    while end < len(text) and (dollars % 2 or opened > 0) and text[end] in "$}":
        dollars += text[end] == "$"
        opened -= text[end] == "}"
        end += 1
    while start > 0 and (dollars % 2 or opened < 0) and text[start - 1] in "${":
        dollars += text[start - 1] == "$"
        opened += text[start - 1] == "{"
        start -= 1
        command = re.search(r"\\[A-Za-z]+\s*$", text[max(0, start - 20) : start])
        if text[start] == "{" and command:
            start -= len(command.group(0))
    return start, end
