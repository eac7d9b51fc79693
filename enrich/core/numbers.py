"""Numbers as an abstract states them, told apart from digits that are part of a name.

"+5.3%", "5.3 points", "2.88x", "1.47 $\\times$", "98.7\\%", "\u22123.1", "from 21.4 to 18.2" and
"(12.3)" state quantities; "Llama-2-70B", "GPT-4o", "ResNet-50", "top-1" and "7B" are names, so a
gain of 70 is not supported by "Llama-2-70B". The same digits also keep fuzzy matching honest:
"GPT-4" is not a misspelling of "GPT-4o", nor "CIFAR-10" of "CIFAR-100".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from enrich.core.normtext import compact, fold

# A run of characters that reads as one written token once spaces and brackets are set aside.
_COMPOUND = re.compile(r"[\w.,%+\-\u00b1@]*\d[\w.,%+\-\u00b1@]*")  # those with a digit
_NUMBER = re.compile(r"(?P<sign>[-+\u00b1])?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.?\d+)")
_LETTERS = re.compile(r"[^\W\d_]+")
# Letters that may follow a stated number ("2.88x", "5-fold", "3.1pp", "40ms", "2nd", "10M");
# any other letters make the digits part of a name ("GPT-4o", "top-1", "pass@1"). "B" is left
# out on purpose: "7B", "70B" name model sizes.
UNITS = frozenset({
    "x", "p", "pp", "pt", "pts", "point", "points", "fold", "times", "percent", "ms", "s", "sec",
    "secs", "min", "h", "hr", "hrs", "kb", "mb", "gb", "tb", "db", "fps", "hz", "k", "m", "st",
    "nd", "rd", "th", "mm", "cm", "km",
})  # fmt: skip
# Digits with what is glued after them, in a compacted string: "4o", "21k", "70b", "2|70b".
_VERSION = re.compile(r"\d+(?:[.,]\d+)*[^\W\d_]{0,2}")


@dataclass(frozen=True)
class NumberToken:
    """A stated number; `start`/`end` index the folded text it was read from."""

    value: float
    start: int
    end: int


def number_tokens(folded: str) -> list[NumberToken]:
    """The stated numbers of a folded text (see `normtext.fold`), in order."""
    tokens: list[NumberToken] = []
    for compound in _COMPOUND.finditer(folded):
        word = compound.group(0)
        if any(letters not in UNITS for letters in _LETTERS.findall(word)):
            continue  # part of a name
        for match in _NUMBER.finditer(word):
            sign, start = match.group("sign"), match.start()
            if sign and start > 0 and (word[start - 1].isalnum() or word[start - 1] == "%"):
                sign, start = None, match.start("digits")  # "41-55": a range, not minus 55
            value = float(match.group("digits").replace(",", ""))
            tokens.append(
                NumberToken(-value if sign == "-" else value, compound.start() + start,
                            compound.start() + match.end())
            )  # fmt: skip
    return tokens


def numbers_in(text: str) -> list[float]:
    """Every number `text` states: `1,024`, `+5.3`, a minus sign, `.5`, `98.7\\%`."""
    return [token.value for token in number_tokens(fold(text).text)]


def same_number(a: float, b: float) -> bool:
    """Equal up to sign and float noise (a gain of 3.1 is stated as "\u22123.1" for a drop)."""
    return abs(abs(a) - abs(b)) <= 1e-6 * max(1.0, abs(b))


def value_in_text(value: float, text: str) -> bool:
    """True when `value` (sign ignored) is one of the numbers `text` states."""
    return any(same_number(n, value) for n in numbers_in(text))


def version_tokens(folded: str) -> list[str]:
    """The digit groups of a folded string with the letters glued after them ("gpt-4o" -> 4o,
    "llama-3-70b" -> 3, 70b): two strings naming the same thing have the same list."""
    return [token.replace(",", "") for token in _VERSION.findall(compact(folded))]
