"""The numbers an abstract states, with their units, as the gain rules read them.

A number here is what a reader would call a stated quantity: "98.7%", "2.88x", "+4.2 points",
"1/5", a range "2-3x" (its upper bound) or a pair "from 80.1% to 85.3%" (the second, with the
first as its starting value). Numbers that are part of a name ("Llama-2-70B", "ViT-B/16"),
versions, years, thresholds ("p > 0.5"), citations and enumerations are left out; numbers written
side by side ("+11.8 and +10.5 points") form one group that shares its unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_N = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_CLOSE = r"(?:\s?[}$])*"
_UNIT = (
    r"(?P<pp>\s*(?:\\?%|\uff05)\s*-?\s*(?:p\b|points?\b)|\s*(?:percentage|percent)\s+points?\b"
    r"|\s*(?:pp|p\.p\.)(?![A-Za-z]))|(?P<pct>\s*(?:\\?%|\uff05)|\s+percent\b)"
    r"|(?P<x>(?:\s*\$?\s*\{?\\times\}?\s*\$?|\s*\u00d7|\s?[xX](?![\w\-])|\s*-?\s*fold\b|\s+times\b)"
    r"(?!\s*\$?\s*\d))|(?P<pts>\s*-?\s*(?:absolute\s+)?(?:points?|pts)\b)"
    r"|(?P<other>\s*(?:ms|sec|seconds?|minutes?|hours?|GB|MB|TB|dB|FPS|fps)\b)"
)
# A number (or a "1/8" fraction, or a range "41--55" / "from 80 to 85") with its unit.
_MENTION = re.compile(
    rf"(?<![\w.^_\\/])(?P<sign>[+\-\u2212\u00b1])?(?:(?P<fn>1)\s*/\s*(?P<fd>\d+)(?![\d/.])"
    rf"|(?P<a>{_N})(?:{_CLOSE}(?:{_UNIT.replace('?P<', '?P<a_')})?{_CLOSE}"
    rf"\s*(?P<op>--|\u2013|\u2014|-|~|\u223c|\\sim|to|->|\u2192|\$?\\(?:right|to)arrow\$?)"
    rf"\s*(?:\\textbf\{{|\{{|\$)*(?P<b>{_N}))?)"
    rf"{_CLOSE}(?:{_UNIT})?(?!\w)(?:\}}|\$(?![A-Za-z\\]))*"
)
_UNITS = {"pp": "pp", "pct": "%", "x": "x", "pts": "points", "other": ""}
_THRESHOLD = re.compile(r"(?:[=<>\u2264\u2265\u2248]|\\[lg]eq?|\\approx)\s*\$?\s*$")
_NAME_BEFORE = re.compile(r"(?:[A-Za-z][\-/]|\d,|[Vv]ersion\s|[Tt]able\s|[Ff]ig\.?\s)$")
_NAME_AFTER = re.compile(r"(?:-[A-Za-z]|[A-Za-z]|/\d|\s*(?:st|nd|rd|th)\b)")


@dataclass
class Num:
    """One stated number: its span, value, unit, and for "from X to Y" the starting value."""

    start: int
    end: int
    value: float
    unit: str | None
    fraction: bool = False
    from_value: float | None = None


def _unit(m: re.Match[str]) -> str | None:
    for group, unit in _UNITS.items():
        if raw := m.group(group) or m.group("a_" + group):
            return unit or raw.strip()  # "other" units are kept as written ("ms", "GB")
    return None


def mentions(text: str, lo: int, hi: int) -> list[Num]:
    """Numbers in text[lo:hi] that are not names, versions, years, thresholds or citations."""
    found: list[Num] = []
    for m in _MENTION.finditer(text, lo, hi):
        before, after = text[max(lo, m.start() - 12) : m.start()], text[m.end() : m.end() + 6]
        if _THRESHOLD.search(before) or _NAME_AFTER.match(after) or _NAME_BEFORE.search(before):
            continue
        if m.group("sign") == "-" and m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        unit = _unit(m)
        cited = text.rfind("[", lo, m.start()) > text.rfind("]", lo, m.start())
        if cited or (after.startswith(")") and unit is None):
            continue  # a citation "[12]" or an enumeration "1)"
        if m.group("fn"):
            if m.group("fd") != "1" and not re.match(r"\s+of\b", after):
                found.append(Num(m.start(), m.end(), float(m.group("fd")), "x", fraction=True))
            continue
        value = float((m.group("b") or m.group("a")).replace(",", ""))
        if unit is None and ("." not in m.group("a") and 1900 <= value <= 2100):
            continue  # a year
        if unit is None and re.search(r"\b[A-Z][\w\-]*\s$", before):
            continue  # a version or a numbered name: "SeedEdit 3.0", "Llama 2", "Section 4"
        num = Num(m.start(), m.end(), value, unit)
        op = m.group("op") or ""
        paired = re.search(r"\bfrom\s*$", before) is not None
        # "from 80.1% to 85.3%" and "80.1% -> 85.3%" are pairs; "2x to 30x" a range (up to
        # 30x, as a range's upper bound is the claim); "3 to 5" neither
        ranged = op == "to" and not paired and any(m.group("a_" + g) for g in _UNITS)
        if op == "to" and not paired and not ranged:
            continue
        if (op in ("to", "->", "\u2192") or "arrow" in op) and not ranged:
            num.from_value = float(m.group("a").replace(",", ""))
        found.append(num)
    return found


def groups(text: str, nums: list[Num]) -> list[list[Num]]:
    """Coordinated numbers ("+11.8 and +10.5 points") share their cue, unit and metric."""
    groups: list[list[Num]] = []
    for num in nums:
        gap = text[groups[-1][-1].end : num.start] if groups else "x"
        if re.fullmatch(r"[\s$}]*(?:,|and|or|/|,\s*and)?[\s${]*(?:\\textbf\{)?", gap):
            groups[-1].append(num)
        else:
            groups.append([num])
    for group in groups:
        shared = next((n.unit for n in reversed(group) if n.unit), None)
        for num in group:
            num.unit = num.unit or shared
    return groups
