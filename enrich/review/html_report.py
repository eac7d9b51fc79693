"""report.html: one self-contained page to review a run, paper by paper.

Every paper is a card with its abstract, the extracted items highlighted in place from their
spans, the items that could not be placed, and its claimed gains. Filters (profile, category,
year, method, dataset, free text) and a sortable gains table run in inline vanilla JS over a JSON
block, so the page needs no network and works opened from disk. Each card can be reviewed
(`reviewing.py`, review-*.js): decisions are kept in the browser per run and paper and exported
as gold JSONL. All corpus text is escaped; a Content-Security-Policy allows only the page's own
script (its assets inlined as one <script>, by hash) and style.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from enrich.core.registry import EXTRACTED
from enrich.core.tables import ITEM_FIELDS, GainRow, ItemRow, PaperRow, Tables
from enrich.export import atomic_write_text
from enrich.review.highlight import escaped as _e
from enrich.review.highlight import highlight
from enrich.review.reviewing import review_bar, review_entry, run_info

REPORT_FILE = "report.html"
NONE = "~none"  # facet value of a paper without a category / year / profile
_FIELD_FACETS = tuple(spec for spec in EXTRACTED if spec.facet)
FACETS = ("profile", "category", "year", *(spec.name for spec in _FIELD_FACETS))


# Inlined in this order into the page's one <style> and one <script> (hashed in its CSP).
STYLES = ("report.css", "review.css")
SCRIPTS = ("report.js", "review-state.js", "review-abstract.js", "review-ui.js", "review-events.js")


def _asset(name: str) -> str:
    return files("enrich.review").joinpath("assets", name).read_text(encoding="utf-8")


def _assets(names: Sequence[str]) -> str:
    return "\n".join(_asset(name) for name in names)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def script_json(data: object) -> str:
    """JSON safe inside a <script> block: no `<` (so no `</script>`, no `<!--`) survives."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links are clickable; anything else (javascript:, data:) stays text."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


# --- page parts -------------------------------------------------------------------------------


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _when(paper: PaperRow) -> str:
    date = paper.date or ""
    if date and not date.startswith("--"):
        return date
    if date:  # "--MM-DD": a day without a year
        return f"{paper.year}-{date[2:]}" if paper.year else f"{date[2:]} (year unknown)"
    return str(paper.year or "")


def _profiles(paper: PaperRow) -> list[str]:
    return list(paper.profiles)


def _link(url: str | None, label: str) -> str:
    safe = _safe_url(url)
    if safe is None:
        return _e(url) if url else ""
    return f'<a href="{_e(safe)}" rel="noopener noreferrer">{_e(label)}</a>'


def _chip(item: ItemRow, why: str) -> str:
    return (
        f'<li class="chip {_e(item.field)} {why}" data-field="{_e(item.field)}" '
        f'title="{_e(why)}">{_e(item.field[:-1])}: {_e(item.name)}</li>'
    )


def _gain_cells(gain: GainRow) -> list[tuple[str, str]]:
    """(sort key, HTML) per column: metric, value, unit, baseline, dataset."""
    base = gain.baseline or ""
    if gain.baseline_value is not None:
        base = f"{base} ({_num(gain.baseline_value)})".strip()
    return [
        (gain.metric or "", _e(gain.metric)),
        (repr(gain.value), _e(_num(gain.value))),
        (gain.unit or "", _e(gain.unit)),
        (base, _e(base)),
        (gain.dataset or "", _e(gain.dataset)),
    ]


def _paper_gains(gains: list[GainRow]) -> str:
    if not gains:
        return ""
    head = "<tr><th>metric</th><th>value</th><th>unit</th><th>baseline</th><th>dataset</th>"
    rows = []
    for gain in gains:
        cls = "" if gain.grounded else ' class="ungrounded" title="not found in the abstract"'
        cells = "".join(f"<td>{html}</td>" for _, html in _gain_cells(gain))
        rows.append(f"<tr{cls}>{cells}<td>{_e(gain.kind)}</td></tr>")
    return f'<table class="gains">{head}<th>kind</th></tr>{"".join(rows)}</table>'


def _card(idx: int, paper: PaperRow, items: list[ItemRow], gains: list[GainRow]) -> str:
    body, dropped = highlight(paper.abstract, items)
    missing = [_chip(i, "ungrounded") for i in items if not i.grounded]
    missing += [_chip(i, "overlapping") for i in dropped]
    meta = [
        f'<span class="when">{_e(_when(paper))}</span>' if _when(paper) else "",
        f'<span class="tag cat">{_e(paper.category)}</span>' if paper.category else "",
        *(f'<span class="tag prof">{_e(name)}</span>' for name in _profiles(paper)),
        f'<span class="code">{_link(paper.code_url, "code")}</span>' if paper.code_url else "",
        f'<span class="src">{_link(paper.url, "source")}</span>' if paper.url else "",
        f'<span class="status bad">{_e(paper.status)}</span>' if paper.status != "ok" else "",
    ]
    title = _link(paper.url, paper.title) if _safe_url(paper.url) else _e(paper.title)
    notes = ""
    if missing:
        notes = '<div class="missing"><span>not highlighted:</span><ul>'
        notes += "".join(missing) + "</ul></div>"
    return (
        f'<article class="card" id="p{idx}" data-idx="{idx}" data-id="{_e(paper.paper_id)}" '
        f'data-category="{_e(paper.category or NONE)}" data-year="{_e(paper.year or NONE)}">'
        f"<h2>{title}</h2>"
        f'<p class="authors">{_e(paper.authors)}</p>'
        f'<p class="meta">{"".join(m for m in meta if m)}</p>'
        + (f'<p class="summary">{_e(paper.summary)}</p>' if paper.summary else "")
        + (f'<p class="error">{_e(paper.error)}</p>' if paper.error else "")
        + f'<p class="abstract">{body}</p>{notes}{_paper_gains(gains)}</article>'
    )


def _facet_data(
    tables: Tables, profiles: Sequence[Mapping[str, Any]], items: Mapping[str, list[ItemRow]]
) -> tuple[list[dict[str, Any]], dict[str, list[list[str]]]]:
    """Per paper: its facet values and search text; per facet: [value, label] options."""
    papers: list[dict[str, Any]] = []
    surfaces: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for paper in tables.papers:
        own = items.get(paper.paper_id, [])
        entry: dict[str, Any] = {
            "profile": _profiles(paper) or [NONE],
            "category": [paper.category or NONE],
            "year": [str(paper.year) if paper.year else NONE],
        }
        for name in (spec.name for spec in _FIELD_FACETS):
            rows = [i for i in own if i.field == name and i.canonical and i.grounded]
            entry[name] = sorted({i.canonical for i in rows})
            surfaces[name].update((i.canonical, i.name) for i in rows)
        text = [paper.title, paper.authors, paper.abstract, paper.summary or ""]
        entry["text"] = " ".join(text + [i.name for i in own]).lower()
        papers.append(entry)
    known = [str(p.get("name")) for p in profiles if p.get("name")]
    options: dict[str, list[list[str]]] = {}
    for facet in FACETS:
        values: Counter[str] = Counter(str(v) for p in papers for v in p[facet])
        for name in known if facet == "profile" else []:
            values.setdefault(name, 0)
        labels: dict[str, str] = {NONE: "(none)"}
        for (value, surface), _n in sorted(surfaces[facet].items(), key=lambda kv: -kv[1]):
            labels.setdefault(value, surface)
        label = {v: labels.get(v) or v for v in values}
        if facet == "year":  # newest first
            ordered = sorted(values, key=lambda v: (v == NONE, -int(v) if v.isdigit() else 0))
        else:  # most papers first
            ordered = sorted(values, key=lambda v: (v == NONE, -values[v], label[v].lower()))
        options[facet] = [[v, label[v]] for v in ordered]
    return papers, options


def _header(tables: Tables, profiles: Sequence[Mapping[str, Any]], run: Mapping[str, Any]) -> str:
    counts = Counter(i.field for i in tables.grounded_items())
    facts = [
        ("run", run.get("run_id")),
        ("backend", run.get("backend")),
        ("model", run.get("model")),
        ("endpoint", run.get("endpoint")),
        ("finished", run.get("finished_at")),
        ("papers", len(tables.papers)),
        ("failed", run.get("failures")),
        ("profiles", len(profiles)),
        *((name, counts.get(name, 0)) for name in ITEM_FIELDS),
        ("gains", len(tables.gains)),
        ("ungrounded", sum(1 for i in tables.items if not i.grounded)),
        ("tokens", (run.get("prompt_tokens") or 0) + (run.get("completion_tokens") or 0)),
        ("cost (USD)", run.get("cost_usd")),
    ]
    dl = "".join(
        f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts if v not in (None, "")
    )
    legend = "".join(f'<mark class="hl {f}">{f}</mark>' for f in ITEM_FIELDS)
    return (
        f'<header><h1>enrich report</h1><dl class="facts">{dl}</dl>'
        f'<p class="legend">highlights: {legend} <span class="chip ungrounded">ungrounded</span>'
        f' <span class="chip overlapping">overlapping</span></p></header>'
    )


def _filters() -> str:
    labels = ("Profile", "Category", "Year", *(spec.label.title() for spec in _FIELD_FACETS))
    selects = "".join(
        f'<label class="wide">{label}<select id="f-{facet}" data-facet="{facet}"></select></label>'
        for facet, label in zip(FACETS, labels, strict=True)
    )
    search = '<input id="f-q" type="search" placeholder="title, abstract, authors…">'
    return (
        f'<section class="filters" id="filters">{selects}<label>Search{search}</label>'
        '<button id="f-reset" type="button">reset</button><p id="count" class="count"></p>'
        "</section>"
    )


def _gains_table(tables: Tables, index: Mapping[str, int]) -> str:
    heads = ["metric", "value", "unit", "baseline", "dataset", "paper"]
    th = "".join(
        f'<th data-col="{n}" data-type="{"num" if h == "value" else "text"}">{h}</th>'
        for n, h in enumerate(heads)
    )
    rows = []
    for gain in tables.gains:
        idx = index.get(gain.paper_id, -1)
        title = next((p.title for p in tables.papers[idx : idx + 1]), gain.paper_id)
        cells = [*_gain_cells(gain), (title, f'<a href="#p{idx}">{_e(title)}</a>')]
        tds = "".join(f'<td data-sort="{_e(key)}">{html}</td>' for key, html in cells)
        rows.append(f'<tr data-idx="{idx}">{tds}</tr>')
    return (
        f'<section class="all-gains"><h2>Gains ({len(tables.gains)})</h2>'
        '<p class="hint">click a column header to sort; rows follow the paper filters</p>'
        f'<table id="gains" class="gains sortable"><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def page_name(number: int) -> str:
    """report.html, then report-2.html, report-3.html, ... for a split report."""
    return REPORT_FILE if number == 1 else f"report-{number}.html"


def _pager(number: int, pages: int, first: int, shown: int, total: int) -> str:
    """Links between the pages of a split report (nothing for a one-page report)."""
    if pages == 1:
        return ""
    links = " ".join(
        f"<b>{k}</b>" if k == number else f'<a href="{page_name(k)}">{k}</a>'
        for k in range(1, pages + 1)
    )
    return (
        f'<nav class="pager">papers {first + 1}&ndash;{first + shown} of {total}, '
        f"page {number} of {pages}: {links}</nav>"
    )


def _page(tables: Tables, start: int, stop: int) -> Tables:
    papers = tables.papers[start:stop]
    ids = {paper.paper_id for paper in papers}
    return Tables(
        papers,
        [item for item in tables.items if item.paper_id in ids],
        [gain for gain in tables.gains if gain.paper_id in ids],
    )


def render_report(
    tables: Tables,
    profiles: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any],
    pager: str = "",
    first: int = 0,
) -> str:
    """The whole report page as one HTML string (CSS, JS and data inlined); `pager` links the
    pages of a split report, whose page starts at the run's paper number `first`."""
    items: dict[str, list[ItemRow]] = defaultdict(list)
    for item in tables.items:
        items[item.paper_id].append(item)
    gains: dict[str, list[GainRow]] = defaultdict(list)
    for gain in tables.gains:
        gains[gain.paper_id].append(gain)
    index = {paper.paper_id: i for i, paper in enumerate(tables.papers)}
    papers, options = _facet_data(tables, profiles, items)
    cards = "".join(
        _card(i, p, items.get(p.paper_id, []), gains.get(p.paper_id, []))
        for i, p in enumerate(tables.papers)
    )
    css, js = _assets(STYLES), _assets(SCRIPTS)
    review = {
        "run": run_info(run),
        "first": first,
        "papers": [
            review_entry(p, items.get(p.paper_id, []), gains.get(p.paper_id, []))
            for p in tables.papers
        ],
    }
    data = script_json({"papers": papers, "options": options, "none": NONE, "review": review})
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>enrich report: {len(tables.papers)} papers</title><style>{css}</style></head>"
        f"<body>{_header(tables, profiles, run)}{pager}<main>{review_bar()}{_filters()}"
        f'<section id="cards" class="cards">{cards}'
        '<p id="empty" class="empty" hidden>no paper matches these filters</p></section>'
        f"{_gains_table(tables, index)}</main>"
        f'<script type="application/json" id="report-data">{data}</script>'
        f"<script>{js}</script></body></html>\n"
    )


# Papers per page: a report of 100,000 papers as one page is hundreds of megabytes, which no
# browser opens; each page stays self-contained, with its own filters and gains table.
PAGE_PAPERS = 2000


def page_count(papers: int) -> int:
    """Pages of a report of `papers` papers (one, even for none)."""
    return max(1, -(-papers // PAGE_PAPERS))


def write_page(
    folder: Path,
    tables: Tables,
    profiles: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any],
    *,
    number: int = 1,
    total: int | None = None,
) -> Path:
    """Write page `number` of a report of `total` papers (default: these tables' alone), which
    holds `tables`, the papers from (number - 1) x `PAGE_PAPERS` on; return its path."""
    total = len(tables.papers) if total is None else total
    first = (number - 1) * PAGE_PAPERS
    pager = _pager(number, page_count(total), first, len(tables.papers), total)
    path = folder / page_name(number)
    atomic_write_text(path, render_report(tables, profiles, run, pager, first))
    return path


def write_report(
    folder: Path, tables: Tables, profiles: Sequence[Mapping[str, Any]], run: Mapping[str, Any]
) -> Path:
    """Write `report.html` (and report-2.html, ... past `PAGE_PAPERS` papers) for a run held
    in memory; return the first page's path."""
    total = len(tables.papers)
    pages = page_count(total)
    for number in range(1, pages + 1):
        start = (number - 1) * PAGE_PAPERS
        page = _page(tables, start, start + PAGE_PAPERS) if pages > 1 else tables
        write_page(folder, page, profiles, run, number=number, total=total)
    return folder / REPORT_FILE
