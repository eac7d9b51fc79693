"""Build the backend a run asked for from resolved settings."""

from __future__ import annotations

from enrich.backends.base import Backend, FormatMemory
from enrich.config import Settings
from enrich.core.prompting import PromptSet
from enrich.errors import ConfigError


def make_backend(
    settings: Settings,
    prompt: PromptSet,
    *,
    concurrency: int,
    timeout: float,
    max_tokens: int,
    memory: FormatMemory | None = None,
) -> Backend:
    """The backend for `settings.backend` (imports its client library only when chosen)."""
    if settings.backend == "openai":
        from enrich.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(
            prompt,
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key,
            concurrency=concurrency,
            timeout=timeout,
            max_tokens=max_tokens,
            memory=memory,
        )
    if settings.backend == "offline":
        from enrich.backends.offline import OfflineBackend

        return OfflineBackend()
    raise ConfigError(f"unknown backend {settings.backend!r}", "use --backend openai or offline")
