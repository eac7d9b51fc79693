"""`enrich show`: the papers of a finished run, filtered by dataset, method, metric or task."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from enrich.cli.papers import terminal_cell
from enrich.core.registry import EXTRACTED, FIELDS
from enrich.core.tables import GainRow, PaperRow, Tables, build_tables, canonical
from enrich.errors import UsageError
from enrich.review import load_run
from enrich.review.digest import format_value, paper_profile_labels
from enrich.review.query import read_tables
from enrich.review.tabular import SQLITE_FILE
from enrich.review.tally import paper_year


class FilterError(UsageError):
    """A --dataset/--method/--metric/--task/--limit value that cannot select anything."""


@dataclass
class PaperView:
    """One paper of the run with its extracted names (surface forms, one per canonical)."""

    paper: PaperRow
    profiles: list[str]
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> canonical -> name
    gains: list[GainRow] = field(default_factory=list)

    def listed(self, name: str) -> list[str]:
        return list(self.names.get(name, {}).values())


def _matches(query: str, value: str | None) -> bool:
    return bool(value) and (value == query or query in str(value))


def _views(tables: Tables, labels: Mapping[str, list[str]]) -> list[PaperView]:
    views = {p.paper_id: PaperView(p, labels.get(p.paper_id, [])) for p in tables.papers}
    for item in tables.grounded_items():  # ungrounded items never answer a query
        names = views[item.paper_id].names.setdefault(item.field, {})
        names.setdefault(item.canonical, item.name)
    for gain in tables.gains:
        views[gain.paper_id].gains.append(gain)
    return list(views.values())


def _keeps(view: PaperView, filters: Mapping[str, str]) -> bool:
    """Every filter matches one of the paper's items (or, for datasets and metrics, gains)."""
    for name, query in filters.items():
        found = list(view.names.get(name, {}))
        if name == "datasets":
            found += [g.dataset_canonical or "" for g in view.gains]
        if name == "metrics":
            found += [g.metric_canonical or "" for g in view.gains]
        if not any(_matches(query, value) for value in found):
            return False
    return True


def _metric_gains(view: PaperView, metric: str | None) -> list[GainRow]:
    if metric is None:
        return view.gains
    return [g for g in view.gains if _matches(metric, g.metric_canonical)]


def _best(gains: Sequence[GainRow]) -> GainRow | None:
    return max(gains, key=lambda g: (g.value, -g.position), default=None)


def _gain_text(gain: GainRow | None) -> str:
    if gain is None:
        return ""
    where = f" on {gain.dataset}" if gain.dataset else ""
    return f"{gain.metric or '?'} {format_value(gain)}{where}"


def _gain_json(gain: GainRow) -> dict[str, Any]:
    return {
        "metric": gain.metric, "value": gain.value, "unit": gain.unit, "kind": gain.kind,
        "baseline": gain.baseline, "baseline_value": gain.baseline_value,
        "dataset": gain.dataset, "text": gain.text,
    }  # fmt: skip


def _row_json(view: PaperView, metric: str | None) -> dict[str, Any]:
    paper = view.paper
    best = _best(_metric_gains(view, metric))
    return {
        "id": paper.paper_id,
        "title": paper.title,
        "year": paper_year(paper),
        "profiles": view.profiles,
        **{name: view.listed(name) for name in FIELDS},
        "best_gain": None if best is None else _gain_json(best),
        "gains": [_gain_json(g) for g in _metric_gains(view, metric)],
    }


def _papers_table(views: Sequence[PaperView], metric: str | None, title: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=True)
    shown = [spec.name for spec in EXTRACTED if spec.shown]
    for column in ("title", "year", "profile", *shown, "best gain"):
        table.add_column(column, overflow="fold", style="bold" if column == "title" else None)
    for view in views:
        year = paper_year(view.paper)
        cells = [view.paper.title, "" if year is None else str(year), ", ".join(view.profiles)]
        cells += [", ".join(view.listed(name)) for name in shown]
        cells.append(_gain_text(_best(_metric_gains(view, metric))))
        table.add_row(*(terminal_cell(c) for c in cells))
    return table


def _gains_table(views: Sequence[PaperView], metric: str, asked: str) -> Table:
    table = Table(title=f"gains on {asked!r}", title_justify="left", expand=True)
    for column in ("paper", "metric", "value", "kind", "baseline", "dataset"):
        table.add_column(column, overflow="fold", justify="right" if column == "value" else "left")
    gains = [(view, g) for view in views for g in _metric_gains(view, metric)]
    for view, gain in sorted(gains, key=lambda pair: -pair[1].value):
        cells = [view.paper.title, gain.metric or "", format_value(gain), gain.kind,
                 gain.baseline or "", gain.dataset or ""]  # fmt: skip
        table.add_row(*(terminal_cell(c) for c in cells))
    return table


def _filters(**given: str | None) -> dict[str, str]:
    filters: dict[str, str] = {}
    for name, value in given.items():
        if value is None:
            continue
        query = canonical(value)
        if not query:
            raise FilterError(f"--{name.rstrip('s')} {value!r} is empty", "give part of a name")
        filters[name] = query
    return filters


def _read(out_dir: Path, filters: Mapping[str, str]) -> tuple[Tables, int, dict[str, list[str]]]:
    """The rows a query needs, the run's paper count, and each paper's profile labels: from
    enrich.sqlite when the run has one (the filters run there, so only matching papers are
    read), else from papers.jsonl."""
    database = out_dir / SQLITE_FILE
    if database.is_file():
        tables, in_run = read_tables(database, filters)
        labels = {p.paper_id: list(p.profiles) for p in tables.papers}
        return tables, in_run, labels
    records = list(load_run(out_dir).records())
    return build_tables(records), len(records), paper_profile_labels(records)


def _order(view: PaperView) -> tuple[int, int, str]:
    year = paper_year(view.paper)
    return (year is None, -(year or 0), view.paper.title.lower())


def show(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="The --out folder of a finished run (holds papers.jsonl).",
            metavar="OUT_DIR",
            show_default=False,
        ),
    ],
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            help="Only papers naming this dataset (in its items or gains). Case, hyphens and "
            "punctuation are ignored and part of a name matches: imagenet finds ImageNet-1k.",
        ),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            "--method", help="Only papers naming this method (any role), matched as --dataset is."
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="Only papers naming this metric; also lists their gains on it, largest first, "
            "and takes each paper's best gain from that metric.",
        ),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option("--task", help="Only papers naming this task, matched as --dataset is."),
    ] = None,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", help="Show at most this many papers (0: all).", min=0),
    ] = 50,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print {"total": N, "papers": [...]} as JSON on stdout instead of tables: per '
            "paper its id, title, year, profiles, methods, tasks, datasets, metrics, best gain "
            "and gains (only those on --metric when given).",
        ),
    ] = False,
) -> None:
    """Show the papers of a finished run, newest first, filtered by what was extracted.

    Filters combine: a paper is shown when it matches every filter given. Reads the run's
    enrich.sqlite (only the matching papers), or its papers.jsonl and profiles.json where there
    is no database; nothing is extracted again.
    """
    if limit < 0:
        raise FilterError(f"--limit {limit} is negative", "give 0 for all papers, or a count")
    filters = _filters(datasets=dataset, methods=method, metrics=metric, tasks=task)
    tables, in_run, labels = _read(out_dir, filters)
    views = sorted((v for v in _views(tables, labels) if _keeps(v, filters)), key=_order)
    total = len(views)
    shown = views[:limit] if limit else views
    metric_query = filters.get("metrics")
    if as_json:
        rows = [_row_json(view, metric_query) for view in shown]
        typer.echo(json.dumps({"total": total, "papers": rows}, ensure_ascii=False, indent=2))
        return
    console = Console()
    if not total:
        console.print(
            f"no paper of the {in_run} in {out_dir} matches; try part of the name",
            markup=False,
            highlight=False,
        )
        return
    title = f"{len(shown)} of {total} matching papers" + (
        f" (of {in_run} in the run)" if filters else ""
    )
    console.print(_papers_table(shown, metric_query, title))
    if metric is not None and metric_query is not None:
        console.print(_gains_table(shown, metric_query, metric))
