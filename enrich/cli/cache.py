"""`enrich cache stats|clear`: look at or empty the result cache."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from enrich.cache import ResultCache
from enrich.cli.options import CacheDirOpt
from enrich.config import cache_directory
from enrich.errors import CacheError

cache_app = typer.Typer(
    help="Inspect or clear the extraction cache.", no_args_is_help=True, rich_markup_mode=None
)


def _open(cache_dir: CacheDirOpt) -> ResultCache:
    return ResultCache(cache_directory(cache_dir))


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
    """Delete every cached extraction (the next run requests them again); a corrupt cache is
    removed whole. Run outputs live in the --out folders and are never touched."""
    directory = cache_directory(cache_dir)
    try:
        cache = _open(cache_dir)
    except CacheError:
        if not directory.is_dir():
            raise
        files = ResultCache.remove_files(directory)
        typer.echo(f"removed a corrupt cache from {directory} ({files} files)")
        return
    with cache:
        removed = cache.clear()
    typer.echo(f"removed {removed} entries from {cache.directory}")
