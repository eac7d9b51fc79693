"""Decisions to make in report.html's review panel, and what scoring their export must give.

`plan_session` picks papers and spans of a run (the sample corpus's offline run) for every kind
of decision; `expected` derives, from the decisions alone, what `enrich eval` of the exported gold
against the same run must find, by the rule the review panel states: an accepted (or undecided)
item of an annotated field is a true positive, a rejected or moved-out one a false positive, an
added or moved-in one a miss; a re-spanned item is a true positive when its new text still matches
its old (relaxed), else its old text is a false positive and its new one a miss. `scored` reads
the same shape from a saved eval run. Used by tests/review_session.py's scripted reviewer, the
test and bench/review_session.py (no pytest import).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from enrich.core.numbers import same_number
from enrich.core.tables import ITEM_FIELDS, GainRow, ItemRow, Tables
from enrich.core.textmatch import normalize, relaxed_match
from enrich.offline.stated_numbers import mentions

GOLD_FIELDS = (*ITEM_FIELDS, "gains")


@dataclass(frozen=True)
class Step:
    """One decision on one paper, as a reviewer makes it in the panel."""

    paper: str
    action: str  # accept reject move span add gain-accept gain-reject gain-add confirm
    # confirm-all note clear
    key: str = ""  # the item's or gain's key ("methods:2", "gains:0")
    field: str = ""  # move: the new field; add, confirm: the field
    start: int = 0  # span, add, gain-add: the selection in the abstract (code points)
    end: int = 0
    text: str = ""  # note: its text; gain-add: the metric typed in the form

    def describe(self, abstract: str, what: str = "") -> str:
        """The decision in words; `what` names the item or gain it is about."""
        chosen = abstract[self.start : self.end]
        item = f"{self.key} {what}".strip()
        return {
            "accept": f"accept {item}",
            "reject": f"reject {item}",
            "move": f"move {item} to {self.field}",
            "span": f"re-span {item} to {chosen!r}",
            "add": f"add {chosen!r} to {self.field}",
            "gain-accept": f"accept {item}",
            "gain-reject": f"reject {item}",
            "gain-add": f"add a gain from the selection {chosen!r} (metric {self.text!r})",
            "confirm": f"confirm {self.field} as it stands",
            "confirm-all": "confirm paper (all five fields as they stand)",
            "note": f"note {self.text!r}",
            "clear": "clear review",
        }[self.action]

    def about(self, tables: Tables) -> str:
        """This step in words, naming its item or gain as the run extracted it."""
        item = items_of(tables, self.paper).get(self.key)
        gain = gains_of(tables, self.paper).get(self.key)
        what = repr(item.text) if item else ""
        if gain:
            what = f"({_show(gain.value, gain.unit, gain.metric)})"
        return self.describe(abstract_of(tables, self.paper), what)


@dataclass
class Outcome:
    """One field of one record, relaxed: gold strings matched, false positives, misses."""

    tp: list[str] = field(default_factory=list)
    fp: list[str] = field(default_factory=list)
    fn: list[str] = field(default_factory=list)

    def sorted(self) -> Outcome:
        return Outcome(sorted(self.tp), sorted(self.fp), sorted(self.fn))

    def __str__(self) -> str:
        return f"TP {len(self.tp)} FP {len(self.fp)} FN {len(self.fn)}"


def items_of(tables: Tables, paper: str) -> dict[str, ItemRow]:
    return {
        f"{i.field}:{i.position}": i
        for i in tables.items
        if i.paper_id == paper and i.grounded and i.start is not None and i.end is not None
    }


def gains_of(tables: Tables, paper: str) -> dict[str, GainRow]:
    return {f"gains:{g.position}": g for g in tables.gains if g.paper_id == paper and g.grounded}


def abstract_of(tables: Tables, paper: str) -> str:
    return next(p.abstract for p in tables.papers if p.paper_id == paper)


# --- choosing the session ---------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z\-]{4,}")


def _free_word(
    abstract: str, items: Iterable[ItemRow], after: int, unlike: list[str]
) -> re.Match[str]:
    """The first word from `after` on that no item covers and that matches none of `unlike`:
    a capitalised one inside a sentence (a name the extractor missed) if there is one."""
    taken = [(i.start or 0, i.end or 0) for i in items]
    free = []
    for match in _WORD.finditer(abstract, after):
        s, e = match.span()
        if any(s < b and a < e for a, b in taken) or re.search(r"\d", abstract[max(0, s - 3) : e]):
            continue
        if not any(relaxed_match(match.group(0), other) for other in unlike):
            free.append(match)
    named = [
        m
        for m in free
        if re.search(r"[A-Z]", m.group(0)) and not _starts_sentence(abstract, m.start())
    ]
    if not free:
        raise LookupError("no free word in the abstract")
    return (named or free)[0]


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?:"


def _gain_selection(abstract: str, gains: Iterable[GainRow]) -> tuple[int, int]:
    """A stated number with a unit that no predicted gain has (as its value or its baseline's),
    with the word before it."""
    values = [v for g in gains for v in (g.value, g.baseline_value) if v is not None]
    for num in mentions(abstract, 0, len(abstract)):
        if num.unit is None or num.from_value is not None or num.fraction:
            continue
        if any(same_number(num.value, v) for v in values):
            continue
        before = re.search(r"[A-Za-z]+\s+\$?$", abstract[max(0, num.start - 30) : num.start])
        start = num.start - len(before.group(0)) if before else num.start
        return start, num.end
    raise LookupError("no other stated number")


def plan_session(
    tables: Tables, *, with_clear: bool = False, exclude: Iterable[str] = ()
) -> list[Step]:
    """Five papers reviewed with every kind of decision (and, `with_clear`, a sixth reviewed and
    then cleared), picked from the run's own items so the expectation is unambiguous; papers in
    `exclude` (ids a gold file already labels) are left alone."""
    steps: list[Step] = []
    used: set[str] = set(exclude)

    def pick(test: object) -> str:
        for paper in tables.papers:
            if paper.paper_id not in used and test(paper.paper_id):  # type: ignore[operator]
                used.add(paper.paper_id)
                return paper.paper_id
        raise LookupError("no paper fits")

    def count(paper: str, name: str) -> int:
        return sum(1 for i in items_of(tables, paper).values() if i.field == name)

    # the scarcest first: papers with gains (and, for the form, another stated number)
    b = pick(lambda p: len(gains_of(tables, p)) >= 1 and _has_gain_selection(tables, p))
    f = pick(lambda p: count(p, "metrics") >= 1 and len(gains_of(tables, p)) >= 1)
    a = pick(lambda p: count(p, "methods") >= 5 and count(p, "metrics") >= 1)
    c = pick(lambda p: count(p, "datasets") >= 1 and count(p, "methods") >= 2)
    d = pick(lambda p: count(p, "methods") >= 1)

    # 1: accept, reject, move, a re-span that still matches, confirm an untouched field, note
    methods = [k for k, i in items_of(tables, a).items() if i.field == "methods"]
    multi = next(k for k in methods[3:] if len(items_of(tables, a)[k].text.split()) > 1)
    first = items_of(tables, a)[multi]
    word = first.text.split()[0]
    steps += [
        Step(a, "accept", methods[0]),
        Step(a, "reject", methods[1]),
        Step(a, "move", methods[2], field="tasks"),
        Step(a, "span", multi, start=first.start or 0, end=(first.start or 0) + len(word)),
        Step(a, "confirm", field="metrics"),
        Step(a, "note", text="re-checked against the full text"),
    ]
    # 2: gains: accept the predicted one, add one through the form
    s, e = _gain_selection(abstract_of(tables, b), gains_of(tables, b).values())
    metric = next((i.text for i in items_of(tables, b).values() if i.field == "metrics"), "")
    steps += [
        Step(b, "gain-accept", next(iter(gains_of(tables, b)))),
        Step(b, "gain-add", start=s, end=e, text=metric),
    ]
    # 3: a re-span that no longer matches, an added method, a rejected one
    items = items_of(tables, c)
    dataset = next(k for k, i in items.items() if i.field == "datasets")
    target = items[dataset]
    moved = _free_word(abstract_of(tables, c), items.values(), target.end or 0, [target.name])
    names = [i.name for i in items.values() if i.field == "methods"]
    added = _free_word(abstract_of(tables, c), items.values(), 0, names)
    steps += [
        Step(c, "span", dataset, start=moved.start(), end=moved.end()),
        Step(c, "add", field="methods", start=added.start(), end=added.end()),
        Step(c, "reject", next(k for k, i in items.items() if i.field == "methods")),
    ]
    # 4: nothing to change: confirm paper, with a note
    steps += [Step(d, "confirm-all"), Step(d, "note", text="all correct")]
    # 5: a metric rejected, one added, another item accepted, a gain rejected
    items = items_of(tables, f)
    metric_key = next(k for k, i in items.items() if i.field == "metrics")
    unlike = [i.name for i in items.values() if i.field == "metrics"]
    new_metric = _free_word(abstract_of(tables, f), items.values(), 0, unlike)
    other = next(k for k, i in items.items() if i.field != "metrics")
    steps += [
        Step(f, "reject", metric_key),
        Step(f, "add", field="metrics", start=new_metric.start(), end=new_metric.end()),
        Step(f, "accept", other),
        Step(f, "gain-reject", next(iter(gains_of(tables, f)))),
    ]
    if with_clear:
        g = pick(lambda p: count(p, "methods") >= 1)
        first_method = next(k for k, i in items_of(tables, g).items() if i.field == "methods")
        steps += [Step(g, "reject", first_method), Step(g, "clear")]
    return steps


def _has_gain_selection(tables: Tables, paper: str) -> bool:
    try:
        _gain_selection(abstract_of(tables, paper), gains_of(tables, paper).values())
    except LookupError:
        return False
    return True


# --- what the decisions imply -----------------------------------------------------------------


def _show(value: float, unit: str | None, metric: str | None) -> str:
    """A gain as a saved eval run names it (`core.scoring.record_details`)."""
    return f"{value:g}{unit or ''} {metric or ''}".strip()


@dataclass
class _Paper:
    """One paper's decisions replayed: each item's field, text and verdict."""

    items: dict[str, ItemRow]
    gains: dict[str, GainRow]
    where: dict[str, str] = field(default_factory=dict)  # key -> its field now
    text: dict[str, str] = field(default_factory=dict)
    verdict: dict[str, str] = field(default_factory=dict)  # key -> accepted | rejected
    added: list[tuple[str, str]] = field(default_factory=list)  # (field, text)
    new_gains: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)


def _replay(
    tables: Tables, paper: str, steps: list[Step], prefills: dict[int, dict[str, str]]
) -> _Paper | None:
    abstract = abstract_of(tables, paper)
    state = _Paper(items_of(tables, paper), gains_of(tables, paper))
    for n, step in enumerate(steps):
        if step.paper != paper:
            continue
        key, chosen = step.key, abstract[step.start : step.end]
        here = state.where.get(key) or (state.items[key].field if key in state.items else "")
        if step.action in ("accept", "reject"):
            state.verdict[key] = step.action + "ed"
            state.touched.add(here)
        elif step.action == "move":
            state.touched |= {here, step.field}
            state.where[key] = step.field
        elif step.action == "span":
            state.text[key] = chosen
            state.touched.add(here)
        elif step.action == "add":
            state.added.append((step.field, chosen))
            state.touched.add(step.field)
        elif step.action in ("gain-accept", "gain-reject"):
            state.verdict[key] = step.action[5:] + "ed"
            state.touched.add("gains")
        elif step.action == "gain-add":
            form = prefills[n]
            state.new_gains.append(_show(float(form["value"]), form["unit"] or None, step.text))
            state.touched.add("gains")
        elif step.action == "confirm":
            state.touched.add(step.field)
        elif step.action == "confirm-all":
            state.touched |= set(GOLD_FIELDS)
        elif step.action == "clear":
            return None
    return state


def _field_outcome(state: _Paper, name: str) -> Outcome:
    out = Outcome()
    for key, item in state.items.items():
        now = state.where.get(key, item.field)
        rejected = state.verdict.get(key) == "rejected"
        text = state.text.get(key, item.text)
        if item.field == name:
            if rejected or now != name:
                out.fp.append(item.name)
            elif text == item.text or relaxed_match(item.name, text):
                out.tp.append(text)
            else:
                out.fp.append(item.name)
                out.fn.append(text)
        elif now == name and not rejected:
            out.fn.append(text)
    out.fn += [text for where, text in state.added if where == name]
    # the rule holds only where no extra pairing can happen: a false positive matching a miss
    # would be paired by the scorer, a miss equal to a kept label counted once
    for fp in out.fp:
        assert not any(relaxed_match(fp, fn) for fn in out.fn), (name, fp, out.fn)
    kept = {normalize(t) for t in out.tp}
    assert not any(normalize(fn) in kept for fn in out.fn), (name, out.fn)
    return out.sorted()


def _gain_outcome(state: _Paper) -> Outcome:
    out = Outcome()
    for key, gain in state.gains.items():
        shown = _show(gain.value, gain.unit, gain.metric)
        (out.fp if state.verdict.get(key) == "rejected" else out.tp).append(shown)
    out.fn += state.new_gains
    return out.sorted()


def expected(
    tables: Tables, steps: list[Step], prefills: dict[int, dict[str, str]]
) -> dict[str, dict[str, Outcome]]:
    """Per reviewed (and not cleared) paper, per annotated field: what the decisions imply."""
    result: dict[str, dict[str, Outcome]] = {}
    for paper in dict.fromkeys(step.paper for step in steps):
        state = _replay(tables, paper, steps, prefills)
        if state is None:
            continue
        result[paper] = {
            name: _gain_outcome(state) if name == "gains" else _field_outcome(state, name)
            for name in GOLD_FIELDS
            if name in state.touched
        }
    return result


def scored(run_file: Path) -> dict[str, dict[str, Outcome]]:
    """Per record of a saved eval run, per annotated field: what scoring found (relaxed)."""
    run = json.loads(run_file.read_text(encoding="utf-8"))
    result: dict[str, dict[str, Outcome]] = {}
    for record in run["records"]:
        result[record["id"]] = {
            name: Outcome(
                [g for g, _ in record[name]["tp"]], record[name]["fp"], record[name]["fn"]
            ).sorted()
            for name in GOLD_FIELDS
            if name in record
        }
    return result
