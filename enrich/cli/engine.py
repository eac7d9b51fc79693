"""The options that choose and configure the extraction engine, declared once for every command
that extracts (`enrich run`, `enrich eval`) or asks the same engine (`enrich summarize`).

`@engine_options` adds them to a command's signature, as typer reads it, and hands the command
one `EngineOptions` (its `engine` parameter) instead of seventeen loose arguments, so the
commands cannot drift apart in names, defaults or help.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from enrich.backends.factory import BackendOptions
from enrich.cli.options import (
    BackendOpt,
    BaseUrlOpt,
    BatchOpt,
    CacheDirOpt,
    ConcurrencyOpt,
    GainsOpt,
    GgufOpt,
    ItemsOpt,
    MaxTokensOpt,
    ModelOpt,
    NoCacheOpt,
    PromptsOpt,
    ProviderOpt,
    RpmOpt,
    ThreadsOpt,
    TimeoutOpt,
    TpmOpt,
)
from enrich.config import Settings, resolve_settings
from enrich.prompt_files import DEFAULT_PROMPTS_DIR

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class EngineOptions:
    """What the command line said about the engine; None means the chosen backend's default."""

    backend: str = "auto"
    model: str | None = None
    base_url: list[str] | None = None
    provider: str | None = None
    concurrency: int | None = None
    rpm: int | None = None
    tpm: int | None = None
    timeout: float | None = None
    max_tokens: int | None = None
    gguf: Path | None = None
    threads: int | None = None
    prompts: Path = DEFAULT_PROMPTS_DIR / "extract"
    gains: str = "rules"
    items: str = "both"
    cache_dir: Path | None = None
    no_cache: bool = False
    batch: bool = False

    def settings(self) -> Settings:
        """Flag > environment > default, resolved now."""
        return resolve_settings(
            backend=self.backend,
            model=self.model,
            base_url=self.base_url,
            cache_dir=self.cache_dir,
            provider=self.provider,
        )

    def backend_options(self) -> BackendOptions:
        return BackendOptions(
            self.concurrency, self.timeout, self.max_tokens, self.gguf, self.threads,
            rpm=self.rpm, tpm=self.tpm, batch=self.batch,
        )  # fmt: skip


DEFAULTS = EngineOptions()  # what a command's `engine` parameter defaults to (replaced by typer)

# Each option's declaration (type, flag, help), in the order --help lists them.
_DECLARED: dict[str, Any] = {
    "backend": BackendOpt,
    "model": ModelOpt,
    "base_url": BaseUrlOpt,
    "provider": ProviderOpt,
    "concurrency": ConcurrencyOpt,
    "rpm": RpmOpt,
    "tpm": TpmOpt,
    "timeout": TimeoutOpt,
    "max_tokens": MaxTokensOpt,
    "gguf": GgufOpt,
    "threads": ThreadsOpt,
    "prompts": PromptsOpt,
    "gains": GainsOpt,
    "items": ItemsOpt,
    "cache_dir": CacheDirOpt,
    "no_cache": NoCacheOpt,
    "batch": BatchOpt,
}
assert list(_DECLARED) == [f.name for f in fields(EngineOptions)]


def engine_options(command: F) -> F:
    """Declare the engine options on `command` where its `engine: EngineOptions` parameter is;
    typer sees each option, the command receives them as one `EngineOptions`."""
    return _declare(command, tuple(_DECLARED))


def engine_options_without(*names: str) -> Callable[[F], F]:
    """`engine_options` less the named ones, which keep their defaults: for a command that
    asks an LLM but extracts nothing (`enrich summarize` has no --gains, --items, --batch, and
    a --prompts of its own)."""
    unknown = [name for name in names if name not in _DECLARED]
    assert not unknown, unknown
    return lambda command: _declare(command, tuple(n for n in _DECLARED if n not in names))


def _declare(command: F, names: tuple[str, ...]) -> F:
    signature = inspect.signature(command, eval_str=True)
    declared = [
        inspect.Parameter(
            field.name, inspect.Parameter.KEYWORD_ONLY, default=field.default,
            annotation=_DECLARED[field.name],
        )
        for field in fields(EngineOptions)
        if field.name in names
    ]  # fmt: skip
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == "engine":
            parameters += declared
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        chosen = EngineOptions(**{name: kwargs.pop(name) for name in names})
        return command(*args, engine=chosen, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper  # type: ignore[return-value]
