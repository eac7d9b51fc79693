"""enrich: turn folders of paper listings into structured, grounded, evaluated tables.

The library API (see `enrich.api`) is imported on first use, so `import enrich` and the CLI's
`--version` stay fast:

    import enrich
    corpus = enrich.read_corpus(["corpus/"])
    with enrich.Extractor.open(backend="offline") as extractor:
        outcomes = list(extractor.extract(corpus.papers))
    enrich.write_run("enriched/", outcomes, extractor, corpus.profiles)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# The one place the version is written: pyproject.toml reads it from here (reading installed
# metadata instead costs `enrich --version` a third of its time).
__version__ = "0.1.0"

if TYPE_CHECKING:
    from enrich.api import Extractor, write_run
    from enrich.core.models import Paper
    from enrich.evaluation import evaluate, load_gold, predict
    from enrich.ingest import read_corpus
    from enrich.pipeline import PaperOutcome

# name -> module that defines it
_EXPORTS = {
    "read_corpus": "enrich.ingest",
    "Extractor": "enrich.api",
    "write_run": "enrich.api",
    "load_gold": "enrich.evaluation",
    "predict": "enrich.evaluation",
    "evaluate": "enrich.evaluation",
    "Paper": "enrich.core.models",
    "PaperOutcome": "enrich.pipeline",
}

__all__ = [
    "Extractor",
    "Paper",
    "PaperOutcome",
    "__version__",
    "evaluate",
    "load_gold",
    "predict",
    "read_corpus",
    "write_run",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'enrich' has no attribute {name!r}")
