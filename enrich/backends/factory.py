"""Build the backend a run asked for from resolved settings, with each backend's defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from enrich.backends.base import Backend, FormatMemory
from enrich.config import Settings
from enrich.core.prompting import PromptSet
from enrich.errors import ConfigError

OPENAI_DEFAULTS = {"concurrency": 8, "timeout": 60.0, "max_tokens": 2048}


@dataclass(frozen=True)
class BackendOptions:
    """Generation and transport options; None means the chosen backend's default."""

    concurrency: int | None = None
    timeout: float | None = None
    max_tokens: int | None = None
    gguf: Path | None = None
    threads: int | None = None


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
    if settings.backend == "openai":
        from enrich.backends.chat import ChatBackend

        return ChatBackend(
            prompt,
            provider=settings.provider,
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key,
            concurrency=options.concurrency or int(OPENAI_DEFAULTS["concurrency"]),
            timeout=options.timeout or OPENAI_DEFAULTS["timeout"],
            max_tokens=options.max_tokens or int(OPENAI_DEFAULTS["max_tokens"]),
            memory=memory,
        )
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
