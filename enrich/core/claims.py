"""Ground claimed gains by their number.

A gain is a number the abstract states, so the number is its evidence. Its quote is located
first; when the model paraphrased or stitched it ("outperforms GRPO by +11.8 points" from
"outperforms GRPO and SFT by +11.8 and +10.5 points"), the clause that states the value takes its
place, preferring the clause that names the gain's metric, then its dataset and baseline. A
gain whose value the abstract never states is ungrounded. The gain's metric, baseline and
dataset must be in the abstract too, and its baseline value a number the abstract states;
those that are not are cleared (and listed under `cleared`), the gain is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from enrich.core.locate import Passage, locate
from enrich.core.normtext import fold
from enrich.core.numbers import same_number
from enrich.core.schema import Extraction, Gain, ModelGain, Span, Ungrounded

# A clause ends at a sentence stop followed by a capital, digit, bracket or LaTeX, or at ";".
_STOP = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\\$])|;|\n[ \t]*\n")
# A period after one of these does not end a sentence ("e.g. 5 minutes", "Smith et al. show").
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|et al|vs|cf|Figs?|Eqs?|Sec|Tab|No|approx|resp)\.$")
_EDGE = " \t\n\r.;,:"
_WORDS = re.compile(r"[^\W_]+")
_FILLER = frozenset({
    "the", "a", "an", "of", "on", "in", "and", "for", "to", "with", "by", "at", "from", "over",
    "than",
})  # fmt: skip


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, split further at semicolons, edges trimmed."""
    cuts: list[tuple[int, int]] = []
    start = 0
    for match in _STOP.finditer(text):
        stop = match.start() + 1
        if text[match.start()] == "." and _ABBREVIATION.search(text, max(start, stop - 8), stop):
            continue
        cuts.append((start, stop))
        start = match.end()
    cuts.append((start, len(text)))
    trimmed: list[tuple[int, int]] = []
    for begin, end in cuts:
        while begin < end and text[begin] in _EDGE:
            begin += 1
        while end > begin and text[end - 1] in _EDGE:
            end -= 1
        if begin < end:
            trimmed.append((begin, end))
    return trimmed


def _words(text: str) -> set[str]:
    """Content words, folded, with a plural "s" dropped so "rewards" meets "reward" (digits
    left out: every candidate clause states the value anyway)."""
    words = [w for w in _WORDS.findall(fold(text).text) if w not in _FILLER and not w.isdigit()]
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words}


def _share(phrase: str | None, words: set[str]) -> float:
    """The share of the phrase's content words that the clause contains (0 for no phrase)."""
    wanted = _words(phrase) if phrase else set()
    return len(wanted & words) / len(wanted) if wanted else 0.0


class _GainGrounder:
    """Grounds the gains of one abstract; clauses and attribute look-ups are made once."""

    def __init__(self, passage: Passage) -> None:
        self.passage = passage
        self._clauses: list[tuple[int, int]] | None = None
        self._located: dict[str, bool] = {}

    def states(self, value: float, start: int, end: int) -> bool:
        """True when the abstract states `value` as a whole number inside [start, end)."""
        return any(
            start <= s and e <= end and same_number(n, value) for n, s, e in self.passage.numbers
        )

    def evidence(self, gain: ModelGain, named: Sequence[str | None]) -> Span | str:
        """The gain's span, or why it has none; `named` are its supported attributes."""
        quoted = locate(gain.text, self.passage)
        if quoted is not None and self.states(gain.value, quoted.start, quoted.end):
            return quoted
        clause = self.clause_stating(gain.value, named)
        if clause is not None:
            return Span(start=clause[0], end=clause[1], match="clause")
        if quoted is None:
            return "text not found in the abstract"
        return f"value {gain.value:g} does not occur in its text"

    def clause_stating(self, value: float, named: Sequence[str | None]) -> tuple[int, int] | None:
        """The clause stating `value` that best names the given phrases, in order."""
        if self._clauses is None:
            self._clauses = clauses(self.passage.text)
        stating = [c for c in self._clauses if self.states(value, *c)]
        if len(stating) <= 1:
            return stating[0] if stating else None
        text = self.passage.text

        def preference(clause: tuple[int, int]) -> tuple[float, ...]:
            words = _words(text[clause[0] : clause[1]])
            return tuple(_share(phrase, words) for phrase in named)

        return max(stating, key=preference)  # of equals, max keeps the earliest

    def checked(self, gain: ModelGain) -> tuple[dict[str, Any], list[Ungrounded]]:
        """The gain's fields with every attribute the abstract does not support set to None,
        and what was cleared."""
        fields = gain.model_dump()
        cleared: list[Ungrounded] = []

        def clear(name: str, value: str, reason: str) -> None:
            fields[name] = None
            cleared.append(Ungrounded(field=f"gains.{name}", value=value, reason=reason))

        for name in ("metric", "baseline", "dataset"):
            value = fields[name]
            if value is None:
                continue
            if not value.strip():
                fields[name] = None
            elif not self.located(value):
                clear(name, value, "not found in the abstract")
        number = gain.baseline_value
        if number is not None and not self.states(number, 0, len(self.passage.text)):
            clear("baseline_value", f"{number:g}", "not a number the abstract states")
        return fields, cleared

    def located(self, value: str) -> bool:
        if value not in self._located:
            self._located[value] = locate(value, self.passage) is not None
        return self._located[value]


def ground_gains(gains: Sequence[ModelGain], passage: Passage, result: Extraction) -> None:
    """Add each gain to `result.gains` with its evidence (and its unsupported attributes to
    `result.cleared`), or to `result.ungrounded`."""
    grounder = _GainGrounder(passage)
    for gain in gains:
        fields, cleared = grounder.checked(gain)
        named = (fields["metric"], fields["dataset"], fields["baseline"], gain.text)
        evidence = grounder.evidence(gain, named)
        if isinstance(evidence, str):
            result.ungrounded.append(Ungrounded(field="gains", value=gain.text, reason=evidence))
            continue
        result.cleared.extend(cleared)
        if evidence.match == "clause":
            fields["text"] = passage.text[evidence.start : evidence.end]
        result.gains.append(Gain.model_validate({**fields, "span": evidence}))
