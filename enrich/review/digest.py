"""summary.md: the corpus at a glance, then one section per researcher profile.

Pure and deterministic: the same run files give the same text (no clock, no I/O), except
`write_summary`, which writes the text next to the run's other files. The figures come from a
`Tally` (`review/tally.py`), added a page of papers at a time, so a corpus of any size fits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from enrich.core.overview import OverviewsFile, StoredOverview
from enrich.core.records import PaperRecord
from enrich.core.registry import SUMMARY_ORDER
from enrich.core.tables import GainRow, ItemRow, Tables, record_profiles
from enrich.export import atomic_write_text
from enrich.review.tally import NameCounts, Tally, surface

SUMMARY_FILE = "summary.md"
TOP_ITEMS = 10  # rows of each "most frequent" table
GAIN_METRICS = 5  # metrics shown under "largest claimed gains"
THEMES_PER_YEAR = 3  # tasks / methods named per year in a profile's themes
UNKNOWN_YEAR = "unknown"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MD_ESCAPES = str.maketrans({
    "\\": "\\\\", "`": "\\`", "|": "\\|", "[": "\\[", "]": "\\]",
    "<": "&lt;", ">": "&gt;", "&": "&amp;",
})  # fmt: skip
_LEADING_MARKER = re.compile(r"^(#{1,6}|[>+*-]|\d{1,9}[.)])(?=\s|$)")
_UNSAFE_IN_CODE = re.compile(r"[`<>&\x00-\x1f\x7f-\x9f]")


def md(value: object) -> str:
    """User or model text as inline Markdown that shows as itself: one line, no control
    characters, `<>&` as entities, and backslash, backtick, `|`, `[`, `]`, a `(` after `]`
    and a leading heading/list/quote marker escaped; so a title opens no tag, link, image,
    code span or table cell. Our own Markdown around it is written as is."""
    text = _CONTROL.sub("", " ".join(str(value).split())).translate(_MD_ESCAPES)
    text = text.replace("\\](", "\\]\\(")
    return _LEADING_MARKER.sub(lambda m: "\\" + m.group(1), text)


def _code(value: object) -> str:
    """`value` as a code span when nothing in it can end one or read as markup, else `md`."""
    text = " ".join(str(value).split())
    return f"`{text}`" if text and not _UNSAFE_IN_CODE.search(text) else md(text)


def cell(value: object) -> str:
    """A markdown table cell: `md`-escaped (so `|` cannot split it), "-" for nothing."""
    text = "" if value is None else md(value)
    return text or "-"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def paper_profile_labels(records: Sequence[PaperRecord]) -> dict[str, list[str]]:
    """paper id -> the labels of the profiles it is listed under (`record_profiles`)."""
    return {record.id: record_profiles(record) for record in records}


def top_names(items: Iterable[ItemRow], limit: int) -> list[tuple[str, int]]:
    """The most frequent names by distinct papers, grouped by canonical form, each shown in
    its most common surface form; ties by canonical form (`NameCounts`, fed paper by paper)."""
    by_paper: dict[str, list[ItemRow]] = defaultdict(list)
    for item in items:
        by_paper[item.paper_id].append(item)
    names = NameCounts()
    for rows in by_paper.values():
        names.add_paper(rows)
    return names.ranked(limit)


def format_value(gain: GainRow) -> str:
    """`+2.1%`, `2.88x`, `+1.2 pp`: a sign for deltas, `%` and `x` attached, other units spaced."""
    number = f"{gain.value:+g}" if gain.kind == "delta" else f"{gain.value:g}"
    unit = gain.unit or ""
    if not unit:
        return number
    return number + unit if unit in {"%", "x", "\u00d7"} else f"{number} {unit}"


def _backend_line(run: Mapping[str, Any], tally: Tally) -> str:
    backend = run.get("backend") or "; ".join(sorted(tally.backends))
    model = run.get("model") or "; ".join(sorted(tally.models))
    line = f"Extracted by backend {_code(backend or 'unknown')}, model {_code(model or 'unknown')}"
    extras = [f"{key.replace('_', ' ')} {md(run[key])}" for key in ("prompt_hash", "finished_at")
              if run.get(key)]  # fmt: skip
    return line + (f" ({', '.join(extras)})." if extras else ".")


def _overview(tally: Tally, run: Mapping[str, Any]) -> list[str]:
    parts = [f"{tally.papers} papers"]
    parts += [f"{count} {md(name)}" for name, count in sorted(tally.status.items()) if name]
    return [
        "# Corpus summary",
        "",
        _backend_line(run, tally),
        "",
        f"{parts[0]} ({', '.join(parts[1:]) or 'no status'}); "
        f"{tally.grounded_items} extracted items, {tally.gains} claimed gains.",
    ]


def _year_key(year: int | None) -> tuple[int, int]:
    return (1, 0) if year is None else (0, year)


def _per_profile(tally: Tally, members: Sequence[list[str]]) -> list[str]:
    rows: list[list[object]] = []
    for label, ids, profile in zip(tally.labels, members, tally.profiles, strict=True):
        papers = [tally.members[i] for i in ids]
        known = sorted(p.year for p in papers if p.year is not None)
        span = f"{known[0]}-{known[-1]}" if known else None
        gains = sum(p.gains for p in papers)
        rows.append([label, profile.get("category"), len(ids), gains, span])
    if tally.loose:
        rows.append(["(no profile)", None, tally.loose, tally.loose_gains, None])
    headers = ["profile", "category", "papers", "gains", "years"]
    return ["## Papers per profile", "", *_table(headers, rows)]


def _per_year(tally: Tally, members: Sequence[list[str]]) -> list[str]:
    rows: list[list[object]] = []
    for year in sorted(tally.years, key=_year_key):
        row: list[object] = [UNKNOWN_YEAR if year is None else year, tally.years[year]]
        row += [sum(1 for i in ids if tally.members[i].year == year) for ids in members]
        rows.append(row)
    return ["## Papers per year", "", *_table(["year", "all", *tally.labels], rows)]


def _frequent(tally: Tally) -> list[str]:
    lines = ["## Most frequent items", "", "Counted in distinct papers; spelling variants grouped."]
    for spec in SUMMARY_ORDER:
        title, ranked = spec.heading, tally.names[spec.name].ranked()
        shared = [row for row in ranked if row[1] > 1][:TOP_ITEMS]
        single = [row for row in ranked if row[1] == 1]
        lines += ["", f"### {title}", ""]
        if shared:
            lines += [*_table(["name", "papers"], shared), ""]
        if single:
            lines.append(f"{len(single)} named by one paper each, e.g. {md(_named(single[:3]))}.")
        elif not ranked:
            lines.append("None extracted.")
        else:
            lines.pop()
    return lines


def _gains(tally: Tally) -> list[str]:
    groups = tally.metric_gains
    lines = ["## Largest claimed gains", ""]
    if not groups:
        return [*lines, "No gains with a named metric were extracted."]
    ranked = sorted(groups, key=lambda key: (-groups[key].count, key))[:GAIN_METRICS]
    lines.append(f"The {len(ranked)} metrics with the most claimed gains; largest values first.")
    for key in ranked:
        group = groups[key]
        name, count = surface(group.spellings), group.count
        lines += ["", f"### {md(name)} ({count} gain{'' if count == 1 else 's'})", ""]
        lines += _table(
            ["value", "kind", "baseline", "dataset", "paper"],
            [[format_value(g), g.kind, g.baseline, g.dataset, title]
             for g, title in group.largest()],
        )  # fmt: skip
    return lines


def _figures(profile: Mapping[str, Any]) -> str:
    figures = [("category", "category"), ("h-index", "h_index"), ("papers", "papers"),
               ("citations", "citations"), ("novelty", "novelty"), ("score", "score")]  # fmt: skip
    parts = []
    for label, key in figures:
        value = profile.get(key)
        shown = "-" if value is None else md(f"{value:g}" if isinstance(value, float) else value)
        parts.append(f"{label} {shown}")
    return " · ".join(parts)


def _named(ranked: Sequence[tuple[str, int]]) -> str:
    return ", ".join(name if count == 1 else f"{name} ({count})" for name, count in ranked)


def _themes(ids: Sequence[str], tally: Tally) -> list[str]:
    papers = [tally.members[i] for i in ids]
    tasks = [t for p in papers for t in p.tasks]
    methods = [m for p in papers for m in p.methods]
    years = {i: tally.members[i].year for i in ids}
    rows: list[list[object]] = []
    for year in sorted(set(years.values()), key=_year_key):
        in_year = {i for i in ids if years[i] == year}
        rows.append([
            UNKNOWN_YEAR if year is None else year, len(in_year),
            _named(top_names((t for t in tasks if t.paper_id in in_year), THEMES_PER_YEAR)),
            _named(top_names((m for m in methods if m.paper_id in in_year), THEMES_PER_YEAR)),
        ])  # fmt: skip
    rows.append(["all", len(ids), _named(top_names(tasks, THEMES_PER_YEAR)),
                 _named(top_names(methods, THEMES_PER_YEAR))])  # fmt: skip
    return ["### Themes over time", "", *_table(["year", "papers", "tasks", "methods"], rows)]


def overview_lines(overview: StoredOverview, heading: str, writer: str) -> list[str]:
    """An overview as Markdown: each sentence followed by the numbers of the papers it cites,
    then those papers, numbered, with their run ids. Callers show only checked overviews
    (`core/overview.current_overviews`); a cited id without a title shows as itself."""
    numbers: dict[str, int] = {}
    sentences = []
    for sentence in overview.sentences:
        cited = [numbers.setdefault(cite, len(numbers) + 1) for cite in sentence.cites]
        sentences.append(f"{md(sentence.text)} [{', '.join(str(n) for n in cited)}]")
    shown = "all" if overview.shown == overview.papers else f"{overview.shown} of"
    lines = [
        heading, "",
        f"Written by {writer} from {shown} {overview.papers} papers' titles, summaries and "
        "extracted items; [n] cites the papers listed below it.", "",
        " ".join(sentences), "",
    ]  # fmt: skip
    papers = {paper.id: paper for paper in overview.cited}
    for paper_id, number in numbers.items():
        paper = papers.get(paper_id)
        when = f" ({paper.year})" if paper is not None and paper.year is not None else ""
        title = f"{md(paper.title)}{when} — " if paper is not None else ""
        lines.append(f"{number}. {title}{_code(paper_id)}")
    return lines


def _writer(overviews: OverviewsFile) -> str:
    return f"model {_code(overviews.model)} (backend {_code(overviews.backend)})"


def _profile_section(
    label: str,
    profile: Mapping[str, Any],
    ids: Sequence[str],
    tally: Tally,
    overviews: OverviewsFile | None = None,
) -> list[str]:
    lines = [f"## {md(label)}", "", _figures(profile), ""]
    if profile.get("path"):
        lines += [f"Source: {_code(profile['path'])}", ""]
    lines.append(f"{len(ids)} papers in this run.")
    overview = overviews.for_profile(label) if overviews is not None else None
    if overviews is not None and overview is not None:
        lines += ["", *overview_lines(overview, "### Overview", _writer(overviews))]
    if not ids:
        return lines
    lines += ["", *_themes(ids, tally), "", "### Papers", ""]
    papers = tally.members

    def order(paper_id: str) -> tuple[int, int, str]:
        year = papers[paper_id].year
        return (_year_key(year)[0], -(year or 0), papers[paper_id].title)

    for paper_id in sorted(ids, key=order):
        paper = papers[paper_id]
        when = f" ({paper.year})" if paper.year is not None else ""
        summary = md(paper.summary or "no summary")
        lines.append(f"- **{md(paper.title) or md(paper_id)}**{when} — {summary}")
    return lines


def render_tally(
    tally: Tally, run: Mapping[str, Any], overviews: OverviewsFile | None = None
) -> str:
    """The text of summary.md from a run's tally, with the written overviews (`enrich
    summarize`) of the corpus and each profile when given, already checked against the run."""
    members = tally.member_ids()
    lines = _overview(tally, run)
    corpus = overviews.corpus() if overviews is not None else None
    if overviews is not None and corpus is not None:
        lines += ["", *overview_lines(corpus, "## Overview", _writer(overviews))]
    if tally.profiles:
        lines += ["", *_per_profile(tally, members)]
    lines += ["", *_per_year(tally, members)]
    lines += ["", *_frequent(tally), "", *_gains(tally)]
    if tally.profiles:
        lines += ["", "# Researcher profiles"]
    for label, profile, ids in zip(tally.labels, tally.profiles, members, strict=True):
        lines += ["", *_profile_section(label, profile, ids, tally, overviews)]
    return "\n".join(lines) + "\n"


def render_summary(
    tables: Tables,
    profiles: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any],
    records: Sequence[PaperRecord],
) -> str:
    """The text of summary.md for a run held in memory."""
    tally = Tally(profiles)
    tally.add(tables, records)
    return render_tally(tally, run)


def write_tally(
    folder: Path, tally: Tally, run: Mapping[str, Any], overviews: OverviewsFile | None = None
) -> Path:
    """Write summary.md into the run's folder (atomically); returns its path."""
    path = folder / SUMMARY_FILE
    atomic_write_text(path, render_tally(tally, run, overviews))
    return path


def write_summary(
    folder: Path,
    tables: Tables,
    profiles: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any],
    records: Sequence[PaperRecord],
) -> Path:
    """Write summary.md for a run held in memory; returns its path."""
    tally = Tally(profiles)
    tally.add(tables, records)
    return write_tally(folder, tally, run)
