"""The `enrich` command line: a thin typer layer over the library.

All user-facing error text comes from `EnrichError` (message + fix) and is printed in one place,
`translate_errors`, which wraps every command.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from typer.core import TyperGroup

from enrich import __version__
from enrich.core.redact import redact
from enrich.errors import EnrichError
from enrich.providers import key_variables

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_COMMAND = "run"


class _DefaultToRun(TyperGroup):
    """`enrich CORPUS...` means `enrich run CORPUS...`: a first argument that names no
    command is taken as a path."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if (
            DEFAULT_COMMAND in self.commands
            and args
            and args[0] not in self.commands
            and not args[0].startswith("-")
        ):
            args = [DEFAULT_COMMAND, *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_DefaultToRun,
    name="enrich",
    help=(
        "Turn folders of scientific paper listings (profile dumps, JSONL/CSV exports, BibTeX, "
        "arXiv Atom/OAI XML, plain text) into structured, de-duplicated tables."
    ),
    epilog="Examples: enrich corpus/ --base-url http://127.0.0.1:8080/v1 · "
    "enrich show enriched/ --dataset imagenet · enrich papers corpus/ --out papers.csv",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def translate_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print an `EnrichError` as one line on stderr and exit with its code; no traceback.
    The line is redacted with every provider's key in force now (read at call time, never at
    import)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except EnrichError as err:
            message = redact(str(err), [os.environ.get(name) for name in key_variables()])
            typer.echo(f"Error: {message}", err=True)
            raise typer.Exit(err.exit_code) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"enrich {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Turn folders of paper listings into structured, de-duplicated tables."""


def _register() -> None:
    from enrich.cli import cache, papers, report, run, show
    from enrich.cli import eval as eval_cli

    app.command(name="run")(translate_errors(run.run))
    app.command(name="papers")(translate_errors(papers.papers))
    app.command(name="report")(translate_errors(report.report))
    app.command(name="show")(translate_errors(show.show))
    cache.cache_app.command(name="stats")(translate_errors(cache.stats))
    cache.cache_app.command(name="clear")(translate_errors(cache.clear))
    app.add_typer(cache.cache_app, name="cache")
    eval_cli.eval_app.callback()(translate_errors(eval_cli.evaluate_command))
    eval_cli.eval_app.command(name="runs")(translate_errors(eval_cli.runs_command))
    app.add_typer(eval_cli.eval_app, name="eval")


_register()


def main() -> None:
    """Console-script entry point."""
    app()
