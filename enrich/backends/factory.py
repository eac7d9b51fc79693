"""Build the backend a run asked for from resolved settings, with each backend's defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from enrich.backends.base import Backend, FormatMemory
from enrich.config import Settings
from enrich.core.prompting import PromptSet
from enrich.errors import ConfigError

if TYPE_CHECKING:
    from enrich.backends.chat import ChatBackend

OPENAI_DEFAULTS = {"concurrency": 8, "timeout": 60.0, "max_tokens": 2048}


@dataclass(frozen=True)
class BackendOptions:
    """Generation and transport options; None means the chosen backend's default."""

    concurrency: int | None = None
    timeout: float | None = None
    max_tokens: int | None = None
    gguf: Path | None = None
    threads: int | None = None
    rpm: int | None = None  # requests per minute over all endpoints (None: learned, or none)
    tpm: int | None = None  # tokens per minute
    # through the Batch API (`backends/batch.py`): poll interval in seconds (None:
    # $ENRICH_BATCH_POLL, else 30) and limits per batch (None: OpenAI's)
    batch: bool = False
    batch_poll: float | None = None
    batch_max_requests: int | None = None
    batch_max_bytes: int | None = None


def make_backend(
    settings: Settings,
    prompt: PromptSet,
    options: BackendOptions,
    *,
    memory: FormatMemory | None = None,
    log_dir: Path | None = None,
) -> Backend:
    """The backend for `settings.backend` (imports its client library only when chosen).

    `log_dir` is where a local server writes its log (the run's output folder).
    """
    if options.batch and settings.backend != "openai":
        raise ConfigError(
            f"--batch needs the openai backend, not {settings.backend}",
            "pass --base-url URL of a server with a Batch API, or set OPENAI_API_KEY",
        )
    if settings.backend == "openai":
        from enrich.backends.chat import ChatBackend

        realtime = ChatBackend(
            prompt,
            provider=settings.provider,
            model=settings.model,
            base_url=settings.base_url,
            endpoints=settings.endpoints,
            api_key=settings.api_key,
            concurrency=options.concurrency or int(OPENAI_DEFAULTS["concurrency"]),
            rpm=options.rpm,
            tpm=options.tpm,
            timeout=options.timeout or OPENAI_DEFAULTS["timeout"],
            max_tokens=options.max_tokens or int(OPENAI_DEFAULTS["max_tokens"]),
            memory=memory,
        )
        return _batched(realtime, settings, options) if options.batch else realtime
    if settings.backend == "local":
        from enrich.backends import local
        from enrich.local.models import resolve_model

        model_file = resolve_model(
            gguf=options.gguf,
            name=settings.model or None,
            models_dir=settings.cache_dir / "models",
            env=os.environ,
        )
        return local.LocalBackend(
            prompt,
            model_file,
            log_dir=log_dir or settings.cache_dir,
            threads=options.threads,
            timeout=options.timeout or local.DEFAULT_TIMEOUT_S,
            max_tokens=options.max_tokens or local.DEFAULT_MAX_TOKENS,
        )
    if settings.backend == "offline":
        from enrich.backends.offline import OfflineBackend

        return OfflineBackend()
    raise ConfigError(
        f"unknown backend {settings.backend!r}", "use --backend openai, local or offline"
    )


def _batched(realtime: ChatBackend, settings: Settings, options: BackendOptions) -> Backend:
    """`realtime`'s requests through the Batch API, its records kept in the cache folder."""
    from enrich.backends import batch

    poll = options.batch_poll
    if poll is None:
        text = os.environ.get("ENRICH_BATCH_POLL", "").strip()
        try:
            poll = float(text) if text else batch.POLL_SECONDS
        except ValueError:
            poll = -1.0
        if not 0 < poll <= 3600:
            raise ConfigError(
                f"ENRICH_BATCH_POLL={text!r} is not a number of seconds",
                "set it to e.g. 30 (seconds between polls, at most 3600), or unset it",
            )
    return batch.BatchBackend(
        realtime,
        state_dir=settings.cache_dir / "batches",
        api_key=settings.api_key,
        poll_interval=poll,
        max_requests=options.batch_max_requests or batch.MAX_REQUESTS,
        max_bytes=options.batch_max_bytes or batch.MAX_BYTES,
    )
