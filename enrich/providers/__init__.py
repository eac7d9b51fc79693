"""The provider registry: name -> `Provider`.

Built-in providers are modules of this package; another package adds one with an entry point
in the `enrich.providers` group naming a `Provider` object, or by calling `register` (tests,
notebooks). A provider module must stay cheap to import: its client library is imported only
when `connect` is called.
"""

from __future__ import annotations

from importlib import import_module

from enrich.errors import ConfigError
from enrich.providers.base import Provider

ENTRY_POINT_GROUP = "enrich.providers"
_BUILT_IN = ("enrich.providers.openai_sdk", "enrich.providers.server")
_registry: dict[str, Provider] = {}
_loaded = False


def register(provider: Provider) -> Provider:
    """Make `provider` available by name (a later registration of the same name replaces it)."""
    _registry[provider.name] = provider
    return provider


def _load_built_in() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILT_IN:
            register(import_module(module).PROVIDER)


def _load_entry_points() -> None:
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in _registry:
            loaded = point.load()
            if not isinstance(loaded, Provider):
                raise ConfigError(
                    f"entry point {point.value!r} for provider {point.name!r} is not a Provider",
                    "point it at an enrich.providers.base.Provider object",
                )
            register(loaded)


def names() -> tuple[str, ...]:
    """The built-in and registered providers (entry points are read only by `get`)."""
    _load_built_in()
    return tuple(_registry)


def get(name: str) -> Provider:
    """The provider called `name`, from the built-ins, `register` or an entry point."""
    _load_built_in()
    if name not in _registry:
        _load_entry_points()
    if name not in _registry:
        raise ConfigError(f"unknown provider {name!r}", "use one of: " + ", ".join(_registry))
    return _registry[name]


def key_variables() -> tuple[str, ...]:
    """Every registered provider's key variable, so error text can be cleaned of all of them."""
    _load_built_in()
    return tuple(dict.fromkeys(p.key_variable for p in _registry.values()))


def cost_usd(
    endpoint: str, model: str, prompt_tokens: int, completion_tokens: int, *, batch: bool = False
) -> float | None:
    """The cost at the list price (or Batch API price) of whichever provider publishes one for
    `endpoint`."""
    for provider in (get(name) for name in names()):
        cost = provider.cost_usd(endpoint, model, prompt_tokens, completion_tokens, batch=batch)
        if cost is not None:
            return cost
    return None
