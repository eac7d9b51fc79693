"""`enrich gold add`: a reviewer's export from report.html joins a gold file, checked first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from enrich.core.gold import GoldFormatError, check_gold
from enrich.core.gold_merge import merge_gold
from enrich.errors import EnrichError, UsageError
from enrich.evaluation import DEFAULT_GOLD
from enrich.export import atomic_write_text
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set

gold_app = typer.Typer(
    help="Grow a gold set from reviewed records (report.html's export).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class GoldAddError(EnrichError):
    """A reviewed file that cannot join the gold set as it is."""

    exit_code = 1


def _read(path: Path, *, missing_ok: bool = False) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise UsageError(f"{path}: no such file", "pass the JSONL report.html exported") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc})", "pass a UTF-8 JSON Lines file") from None


def add(
    reviewed: Annotated[
        Path, typer.Argument(metavar="REVIEWED.jsonl", help="Gold-format records to add.")
    ],
    into: Annotated[
        Path,
        typer.Option(
            "--into", metavar="FILE", help="The gold file to add them to (created if absent)."
        ),
    ] = DEFAULT_GOLD,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace records whose ids the gold file already has."),
    ] = False,
    prompts: Annotated[
        Path,
        typer.Option(
            metavar="DIR", help="Prompt folder whose few-shot examples gold must not repeat."
        ),
    ] = DEFAULT_PROMPTS_DIR / "extract",
    as_json: Annotated[bool, typer.Option("--json", help="Print what was added as JSON.")] = False,
) -> None:
    """Check REVIEWED.jsonl as `enrich eval --check-gold` does, then add its records to the gold
    file; ids it already labels are refused unless --replace, and then nothing is added."""
    text = _read(reviewed)
    examples = [example.text for example in load_prompt_set(prompts).examples]
    problems = check_gold(text, examples)
    for problem in problems:
        typer.echo(f"{reviewed}: {problem}", err=True)
    if problems:
        raise GoldAddError(
            f"{reviewed}: {len(problems)} problems; nothing was added",
            f"fix them (`enrich eval --check-gold {reviewed}` lists them again)",
        )
    existing = _read(into, missing_ok=True)
    try:
        addition = merge_gold(existing, text, replace=replace)
    except GoldFormatError as err:
        raise GoldAddError(
            f"{into}: {err.problem}", f"see `enrich eval --check-gold {into}`"
        ) from None
    if not addition.written:
        shown = ", ".join(addition.refused[:5]) + (" ..." if len(addition.refused) > 5 else "")
        raise GoldAddError(
            f"{into} already labels {len(addition.refused)} of these ids ({shown}); "
            "nothing was added",
            "pass --replace to replace those records, or remove them from the reviewed file",
        )
    atomic_write_text(into, addition.text)
    if as_json:
        typer.echo(json.dumps({
            "into": str(into), "added": list(addition.added), "replaced": list(addition.replaced),
            "annotated": addition.annotated,
        }, indent=2))  # fmt: skip
        return
    fields = ", ".join(f"{field} {n}" for field, n in addition.annotated.items()) or "none"
    typer.echo(
        f"{into}: added {len(addition.added)}, replaced {len(addition.replaced)} "
        f"(fields annotated: {fields})"
    )
