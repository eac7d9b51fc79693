"""summary.md: the corpus at a glance, then one section per researcher profile.

Pure and deterministic: the same run files give the same text (no clock, no I/O), except
`write_summary`, which writes the text next to the run's other files.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from enrich.core.tables import GainRow, ItemRow, PaperRow, Tables, record_profiles
from enrich.core.tables import profile_label as tables_profile_label
from enrich.export import atomic_write_text

SUMMARY_FILE = "summary.md"
TOP_ITEMS = 10  # rows of each "most frequent" table
GAIN_METRICS = 5  # metrics shown under "largest claimed gains"
GAINS_PER_METRIC = 3
THEMES_PER_YEAR = 3  # tasks / methods named per year in a profile's themes
UNKNOWN_YEAR = "unknown"
_YEAR = re.compile(r"^(\d{4})")
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


def paper_year(paper: PaperRow) -> int | None:
    """The paper's year, else the year its date starts with ("--05-28" has none)."""
    if paper.year is not None:
        return paper.year
    match = _YEAR.match(paper.date or "")
    return int(match.group(1)) if match else None


def profile_label(profile: Mapping[str, Any], index: int = 0) -> str:
    """A profile's name, else its file's stem, else "profile N"."""
    return tables_profile_label(profile.get("name"), profile.get("path"), f"profile {index + 1}")


def profile_paper_ids(
    profiles: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]
) -> list[list[str]]:
    """For each profile, the ids of the papers listed under it, in record order: those whose
    `record_profiles` include the profile's label (its researcher's name, else its file's stem),
    so a run moved between folders keeps its profiles."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for label in record_profiles(record):
            by_label[label].append(str(record["id"]))
    labels = [profile_label(profile, index) for index, profile in enumerate(profiles)]
    return [list(dict.fromkeys(by_label.get(label, []))) for label in labels]


def paper_profile_labels(records: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """paper id -> the labels of the profiles it is listed under (`record_profiles`)."""
    return {str(record["id"]): record_profiles(record) for record in records}


def top_names(items: Iterable[ItemRow], limit: int) -> list[tuple[str, int]]:
    """The most frequent names by distinct papers, grouped by canonical form, each shown in
    its most common surface form; ties by canonical form."""
    papers: dict[str, set[str]] = defaultdict(set)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        if item.canonical:
            papers[item.canonical].add(item.paper_id)
            surfaces[item.canonical][item.name] += 1
    ranked = sorted(papers, key=lambda key: (-len(papers[key]), key))[:limit]
    return [(_surface(surfaces[key]), len(papers[key])) for key in ranked]


def _surface(counts: Counter[str]) -> str:
    return min(counts, key=lambda name: (-counts[name], name))


def format_value(gain: GainRow) -> str:
    """`+2.1%`, `2.88x`, `+1.2 pp`: a sign for deltas, `%` and `x` attached, other units spaced."""
    number = f"{gain.value:+g}" if gain.kind == "delta" else f"{gain.value:g}"
    unit = gain.unit or ""
    if not unit:
        return number
    return number + unit if unit in {"%", "x", "\u00d7"} else f"{number} {unit}"


def _backend_line(run: Mapping[str, Any], papers: Sequence[PaperRow]) -> str:
    backend = run.get("backend") or "; ".join(sorted({p.backend for p in papers if p.backend}))
    model = run.get("model") or "; ".join(sorted({p.model for p in papers if p.model}))
    line = f"Extracted by backend {_code(backend or 'unknown')}, model {_code(model or 'unknown')}"
    extras = [f"{key.replace('_', ' ')} {md(run[key])}" for key in ("prompt_hash", "finished_at")
              if run.get(key)]  # fmt: skip
    return line + (f" ({', '.join(extras)})." if extras else ".")


def _overview(tables: Tables, run: Mapping[str, Any]) -> list[str]:
    status = Counter(p.status for p in tables.papers)
    parts = [f"{len(tables.papers)} papers"]
    parts += [f"{count} {md(name)}" for name, count in sorted(status.items()) if name]
    return [
        "# Corpus summary",
        "",
        _backend_line(run, tables.papers),
        "",
        f"{parts[0]} ({', '.join(parts[1:]) or 'no status'}); "
        f"{len(tables.grounded_items())} extracted items, {len(tables.gains)} claimed gains.",
    ]


def _year_key(year: int | None) -> tuple[int, int]:
    return (1, 0) if year is None else (0, year)


def _per_profile(
    labels: Sequence[str],
    members: Sequence[list[str]],
    profiles: Sequence[Mapping[str, Any]],
    tables: Tables,
) -> list[str]:
    years = {p.paper_id: paper_year(p) for p in tables.papers}
    gains = Counter(g.paper_id for g in tables.gains)
    rows: list[list[object]] = []
    for label, ids, profile in zip(labels, members, profiles, strict=True):
        known = sorted(y for i in ids if (y := years.get(i)) is not None)
        span = f"{known[0]}-{known[-1]}" if known else None
        rows.append([label, profile.get("category"), len(ids), sum(gains[i] for i in ids), span])
    listed = {i for ids in members for i in ids}
    loose = [p.paper_id for p in tables.papers if p.paper_id not in listed]
    if loose:
        rows.append(["(no profile)", None, len(loose), sum(gains[i] for i in loose), None])
    headers = ["profile", "category", "papers", "gains", "years"]
    return ["## Papers per profile", "", *_table(headers, rows)]


def _per_year(labels: Sequence[str], members: Sequence[list[str]], tables: Tables) -> list[str]:
    years = {p.paper_id: paper_year(p) for p in tables.papers}
    all_years = sorted(set(years.values()), key=_year_key)
    rows: list[list[object]] = []
    for year in all_years:
        row: list[object] = [UNKNOWN_YEAR if year is None else year]
        row.append(sum(1 for y in years.values() if y == year))
        row += [sum(1 for i in ids if years.get(i) == year) for ids in members]
        rows.append(row)
    return ["## Papers per year", "", *_table(["year", "all", *labels], rows)]


def _frequent(tables: Tables) -> list[str]:
    lines = ["## Most frequent items", "", "Counted in distinct papers; spelling variants grouped."]
    for title, items in (
        ("Tasks", tables.field_items("tasks")),
        ("Datasets", tables.field_items("datasets")),
        ("Metrics", tables.field_items("metrics")),
        ("Proposed methods", [i for i in tables.field_items("methods") if i.role == "proposed"]),
    ):
        ranked = top_names(items, len(items))
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


def _gains(tables: Tables, titles: Mapping[str, str]) -> list[str]:
    groups: dict[str, list[GainRow]] = defaultdict(list)
    for gain in tables.gains:
        if gain.metric_canonical:
            groups[gain.metric_canonical].append(gain)
    lines = ["## Largest claimed gains", ""]
    if not groups:
        return [*lines, "No gains with a named metric were extracted."]
    ranked = sorted(groups, key=lambda key: (-len(groups[key]), key))[:GAIN_METRICS]
    lines.append(f"The {len(ranked)} metrics with the most claimed gains; largest values first.")
    for key in ranked:
        rows = groups[key]
        name = _surface(Counter(g.metric or key for g in rows))
        best = sorted(rows, key=lambda g: (-g.value, titles.get(g.paper_id, ""), g.position))
        lines += ["", f"### {md(name)} ({len(rows)} gain{'' if len(rows) == 1 else 's'})", ""]
        lines += _table(
            ["value", "kind", "baseline", "dataset", "paper"],
            [[format_value(g), g.kind, g.baseline, g.dataset, titles.get(g.paper_id)]
             for g in best[:GAINS_PER_METRIC]],
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


def _themes(ids: Sequence[str], tables: Tables, years: Mapping[str, int | None]) -> list[str]:
    members = set(ids)
    tasks = [i for i in tables.field_items("tasks") if i.paper_id in members]
    methods = [i for i in tables.field_items("methods") if i.paper_id in members]
    rows: list[list[object]] = []
    for year in sorted({years.get(i) for i in ids}, key=_year_key):
        in_year = {i for i in ids if years.get(i) == year}
        rows.append([
            UNKNOWN_YEAR if year is None else year, len(in_year),
            _named(top_names((t for t in tasks if t.paper_id in in_year), THEMES_PER_YEAR)),
            _named(top_names((m for m in methods if m.paper_id in in_year), THEMES_PER_YEAR)),
        ])  # fmt: skip
    rows.append(["all", len(ids), _named(top_names(tasks, THEMES_PER_YEAR)),
                 _named(top_names(methods, THEMES_PER_YEAR))])  # fmt: skip
    return ["### Themes over time", "", *_table(["year", "papers", "tasks", "methods"], rows)]


def _profile_section(
    label: str, profile: Mapping[str, Any], ids: Sequence[str], tables: Tables
) -> list[str]:
    years = {p.paper_id: paper_year(p) for p in tables.papers}
    papers = {p.paper_id: p for p in tables.papers}
    lines = [f"## {md(label)}", "", _figures(profile), ""]
    if profile.get("path"):
        lines += [f"Source: {_code(profile['path'])}", ""]
    lines.append(f"{len(ids)} papers in this run.")
    if not ids:
        return lines
    lines += ["", *_themes(ids, tables, years), "", "### Papers", ""]
    order = sorted(ids, key=lambda i: (_year_key(years[i])[0], -(years[i] or 0), papers[i].title))
    for paper_id in order:
        paper, year = papers[paper_id], years[paper_id]
        when = f" ({year})" if year is not None else ""
        summary = md(paper.summary or "no summary")
        lines.append(f"- **{md(paper.title) or md(paper_id)}**{when} — {summary}")
    return lines


def render_summary(
    tables: Tables,
    profiles: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
) -> str:
    """The text of summary.md for one run."""
    labels = [profile_label(p, i) for i, p in enumerate(profiles)]
    known = {p.paper_id for p in tables.papers}
    members = [[i for i in ids if i in known] for ids in profile_paper_ids(profiles, records)]
    titles = {p.paper_id: p.title for p in tables.papers}
    lines = _overview(tables, run)
    if profiles:
        lines += ["", *_per_profile(labels, members, profiles, tables)]
    lines += ["", *_per_year(labels, members, tables)]
    lines += ["", *_frequent(tables), "", *_gains(tables, titles)]
    if profiles:
        lines += ["", "# Researcher profiles"]
    for label, profile, ids in zip(labels, profiles, members, strict=True):
        lines += ["", *_profile_section(label, profile, ids, tables)]
    return "\n".join(lines) + "\n"


def write_summary(
    folder: Path,
    tables: Tables,
    profiles: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
) -> Path:
    """Write summary.md into the run's folder (atomically); returns its path."""
    path = folder / SUMMARY_FILE
    atomic_write_text(path, render_summary(tables, profiles, run, records))
    return path
