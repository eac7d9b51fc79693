"""Settings with explicit precedence: command-line flag > environment > default.

The environment is read when `resolve_settings` is called, never at import, so tests and
long-lived processes see the values in force at call time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from enrich.core.schema import GainPolicy, ItemPolicy
from enrich.errors import ConfigError
from enrich.providers import get as get_provider

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_CACHE_DIR = Path("cache")
BACKENDS = ("auto", "openai", "offline", "local")
GAIN_POLICIES: tuple[GainPolicy, ...] = ("model", "rules", "both")
ITEM_POLICIES: tuple[ItemPolicy, ...] = ("model", "both")


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one run. The API key is kept out of repr and logs."""

    backend: str
    model: str
    base_url: str | None
    cache_dir: Path
    api_key: str | None = field(default=None, repr=False)
    reason: str = ""  # why this backend, when `auto` chose it
    provider: str = "openai"  # how an LLM backend reaches its endpoint (`enrich.providers`)


def _pick(flag: str | None, env: Mapping[str, str], name: str) -> str | None:
    if flag:
        return flag
    value = env.get(name, "").strip()
    return value or None


def cache_directory(flag: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """--cache-dir > $ENRICH_CACHE_DIR > ./cache."""
    env = os.environ if env is None else env
    return flag or Path(_pick(None, env, "ENRICH_CACHE_DIR") or DEFAULT_CACHE_DIR)


def resolve_settings(
    *,
    backend: str = "auto",
    model: str | None = None,
    base_url: str | None = None,
    cache_dir: Path | None = None,
    provider: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Apply flag > environment (`OPENAI_BASE_URL`, `ENRICH_PROVIDER`, the provider's key
    variable such as `OPENAI_API_KEY`, `ENRICH_MODEL`, `ENRICH_LOCAL_MODEL`, `ENRICH_CACHE_DIR`)
    > defaults, and choose the backend `auto` stands for. `auto` never picks `local`: a CPU
    model is too slow to be a silent default. The provider defaults to `server` (plain HTTP)
    when a base URL is set, else `openai` (the SDK, OpenAI's API)."""
    env = os.environ if env is None else env
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}", "use one of: " + ", ".join(BACKENDS))
    url = _pick(base_url, env, "OPENAI_BASE_URL")
    chosen_provider = get_provider(
        _pick(provider, env, "ENRICH_PROVIDER") or ("server" if url else "openai")
    )
    api_key = _pick(None, env, chosen_provider.key_variable)
    if backend == "local":  # a packaged model's name; none means the largest installed
        chosen_model = _pick(model, env, "ENRICH_LOCAL_MODEL") or ""
    else:
        chosen_model = _pick(model, env, "ENRICH_MODEL") or DEFAULT_MODEL
    directory = cache_directory(cache_dir, env)
    reason = ""
    if backend == "auto":
        if api_key is None and url is None:
            backend = "offline"
            reason = (
                "no LLM endpoint configured, so the offline extractor runs; "
                "set OPENAI_API_KEY or pass --base-url to use an LLM"
            )
        else:
            backend = "openai"
            reason = "an LLM endpoint is configured"
    elif backend == "openai" and api_key is None and url is None:
        raise ConfigError(
            "no extraction endpoint is configured",
            f"set {chosen_provider.key_variable}, or pass --base-url URL (or set OPENAI_BASE_URL) "
            "for a local OpenAI-compatible server",
        )
    return Settings(
        backend=backend,
        model=chosen_model,
        base_url=url,
        cache_dir=directory,
        api_key=api_key,
        reason=reason,
        provider=chosen_provider.name,
    )


def gain_policy(value: str) -> GainPolicy:
    """The `--gains` value as a policy, or a one-line error naming the choices."""
    for policy in GAIN_POLICIES:
        if value == policy:
            return policy
    raise ConfigError(f"unknown --gains {value!r}", "use one of: " + ", ".join(GAIN_POLICIES))


def item_policy(value: str) -> ItemPolicy:
    """The `--items` value as a policy, or a one-line error naming the choices."""
    for policy in ITEM_POLICIES:
        if value == policy:
            return policy
    raise ConfigError(f"unknown --items {value!r}", "use one of: " + ", ".join(ITEM_POLICIES))
