"""Settings with explicit precedence: command-line flag > environment > default.

The environment is read when `resolve_settings` is called, never at import, so tests and
long-lived processes see the values in force at call time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from enrich.core.schema import GainPolicy, ItemPolicy
from enrich.errors import ConfigError
from enrich.providers import get as get_provider
from enrich.providers.base import EndpointSpec

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
    # every endpoint given (several are replicas of one model); base_url is the first
    endpoints: tuple[EndpointSpec, ...] = ()


def _pick(flag: str | None, env: Mapping[str, str], name: str) -> str | None:
    if flag:
        return flag
    value = env.get(name, "").strip()
    return value or None


def cache_directory(flag: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """--cache-dir > $ENRICH_CACHE_DIR > ./cache."""
    env = os.environ if env is None else env
    return flag or Path(_pick(None, env, "ENRICH_CACHE_DIR") or DEFAULT_CACHE_DIR)


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def read_endpoints(values: Sequence[str]) -> tuple[EndpointSpec, ...]:
    """Each value is a URL or a file of them: one per line, optionally followed by how many
    requests that endpoint takes at once (`http://10.0.0.2:8000/v1 4`); `#` starts a comment."""
    specs: list[EndpointSpec] = []
    for value in values:
        if _is_url(value.strip()):
            specs.append(EndpointSpec(value.strip()))
            continue
        path = Path(value)
        before = len(specs)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            raise ConfigError(
                f"--base-url {value!r} is neither an http(s) URL nor a readable file of URLs",
                "pass e.g. http://127.0.0.1:8080/v1, or a file with one URL per line",
            ) from None
        for number, line in enumerate(lines, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            concurrency = words[1] if len(words) == 2 else None
            if (
                not _is_url(words[0])
                or len(words) > 2
                or (
                    concurrency is not None
                    and not (concurrency.isdigit() and int(concurrency) >= 1)
                )
            ):
                raise ConfigError(
                    f"{path}:{number}: expected `URL [CONCURRENCY]`, got {line.strip()!r}",
                    "write one http(s) URL per line, optionally followed by a whole number",
                )
            specs.append(EndpointSpec(words[0], int(concurrency) if concurrency else None))
        if len(specs) == before:
            raise ConfigError(f"{path}: no endpoint in the file", "list one URL per line")
    urls = [spec.url.rstrip("/") for spec in specs]
    repeated = sorted({url for url in urls if urls.count(url) > 1})
    if repeated:
        raise ConfigError(
            f"endpoint {repeated[0]} is given twice",
            "list each endpoint once; give it more concurrency instead",
        )
    return tuple(specs)


def resolve_settings(
    *,
    backend: str = "auto",
    model: str | None = None,
    base_url: str | Sequence[str] | None = None,
    cache_dir: Path | None = None,
    provider: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Apply flag > environment (`OPENAI_BASE_URL`, `ENRICH_PROVIDER`, the provider's key
    variable such as `OPENAI_API_KEY`, `ENRICH_MODEL`, `ENRICH_LOCAL_MODEL`, `ENRICH_CACHE_DIR`)
    > defaults, and choose the backend `auto` stands for. `auto` never picks `local`: a CPU
    model is too slow to be a silent default. The provider defaults to `server` (plain HTTP)
    when a base URL is set, else `openai` (the SDK, OpenAI's API). Several base URLs (or files
    of them, `read_endpoints`) are replicas of one model; the first names it in cache keys."""
    env = os.environ if env is None else env
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}", "use one of: " + ", ".join(BACKENDS))
    given = [base_url] if isinstance(base_url, str) else list(base_url or [])
    endpoints = read_endpoints(given) if given else ()
    url = endpoints[0].url if endpoints else _pick(None, env, "OPENAI_BASE_URL")
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
        endpoints=endpoints or ((EndpointSpec(url),) if url else ()),
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
