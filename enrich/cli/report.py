"""`enrich report OUT_DIR`: rebuild the review outputs from papers.jsonl, without extracting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from enrich.cli.options import QuietOpt
from enrich.cli.progress import waiting_notice
from enrich.review.build import publish_run, rebuild


def report(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="A run's output folder (the --out of `enrich CORPUS`), holding papers.jsonl.",
            show_default=False,
        ),
    ] = Path("enriched"),
    quiet: QuietOpt = False,
) -> None:
    """Rebuild papers.csv, methods.csv, tasks.csv, datasets.csv, metrics.csv, gains.csv,
    enrich.sqlite, report.html and summary.md from OUT_DIR/papers.jsonl (no extraction)."""
    err = Console(stderr=True)
    waiting = waiting_notice(err, out_dir, quiet)
    written = publish_run(out_dir, lambda staging: rebuild(out_dir, staging), waiting)
    if not quiet:
        listing = ", ".join(written)
        err.print(f"wrote {listing} in {out_dir}", markup=False, highlight=False)
