"""`enrich cache stats|clear`: look at or empty the result cache."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from enrich.cache import ResultCache
from enrich.cli.options import CacheDirOpt
from enrich.config import cache_directory
from enrich.errors import UsageError

cache_app = typer.Typer(
    help="Inspect or clear the extraction cache.", no_args_is_help=True, rich_markup_mode=None
)


def _open(cache_dir: CacheDirOpt) -> ResultCache:
    directory = cache_directory(cache_dir)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: not a folder", "pass --cache-dir DIR")
    return ResultCache(directory)


def stats(
    cache_dir: CacheDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """How many extractions the cache holds and how much disk they take."""
    with _open(cache_dir) as cache:
        figures = cache.stats()
    if as_json:
        typer.echo(json.dumps(figures.__dict__))
    else:
        typer.echo(f"{figures.directory}: {figures.entries} entries, {figures.bytes:,} bytes")


def clear(cache_dir: CacheDirOpt = None) -> None:
    """Delete every cached extraction (the next run requests them again)."""
    with _open(cache_dir) as cache:
        removed = cache.clear()
    typer.echo(f"removed {removed} entries from {cache.directory}")
