"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from enrich.readers.records import FIELD_NAMES

CorpusArg = Annotated[
    list[Path],
    typer.Argument(
        help="Files or folders of paper listings (folders are read recursively).",
        show_default=False,
        metavar="CORPUS",
    ),
]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        metavar="FIELD=COLUMN",
        help="Read FIELD from a JSON/CSV column of another name, e.g. --field "
        "abstract='Summary Text'. Repeatable. Fields: " + ", ".join(sorted(FIELD_NAMES)) + ".",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress, warnings or summary on stderr.")
]
CacheDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        metavar="DIR",
        help="Cache folder. Default: $ENRICH_CACHE_DIR, else ./cache.",
        show_default=False,
    ),
]
