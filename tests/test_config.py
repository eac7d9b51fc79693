from __future__ import annotations

from pathlib import Path

import pytest

from enrich.config import DEFAULT_MODEL, resolve_settings
from enrich.errors import ConfigError


def test_flag_beats_environment_beats_default() -> None:
    env = {"OPENAI_API_KEY": "sk-x", "ENRICH_MODEL": "env-model", "OPENAI_BASE_URL": "http://env/v1",
           "ENRICH_CACHE_DIR": "/tmp/env-cache"}  # fmt: skip
    from_env = resolve_settings(env=env)
    assert (from_env.model, from_env.base_url, from_env.cache_dir) == (
        "env-model", "http://env/v1", Path("/tmp/env-cache"),
    )  # fmt: skip
    flags = resolve_settings(model="flag-model", base_url="http://flag/v1",
                             cache_dir=Path("c"), env=env)  # fmt: skip
    assert (flags.model, flags.base_url, flags.cache_dir) == (
        "flag-model",
        "http://flag/v1",
        Path("c"),
    )
    default = resolve_settings(env={"OPENAI_API_KEY": "sk-x"})
    assert (default.model, default.base_url, default.cache_dir) == (
        DEFAULT_MODEL,
        None,
        Path("cache"),
    )


def test_auto_picks_openai_when_an_endpoint_is_configured() -> None:
    assert resolve_settings(env={"OPENAI_API_KEY": "sk-x"}).backend == "openai"
    assert resolve_settings(base_url="http://127.0.0.1:1/v1", env={}).backend == "openai"


def test_auto_without_endpoint_is_offline_and_says_why() -> None:
    settings = resolve_settings(env={})
    assert settings.backend == "offline"
    assert "OPENAI_API_KEY" in settings.reason and "offline" in settings.reason


def test_openai_without_endpoint_names_both_fixes() -> None:
    with pytest.raises(ConfigError) as err:
        resolve_settings(backend="openai", env={})
    message = str(err.value)
    assert "OPENAI_API_KEY" in message and "--base-url" in message


def test_secret_is_not_in_repr() -> None:
    settings = resolve_settings(env={"OPENAI_API_KEY": "sk-SECRET-123"})
    assert "sk-SECRET-123" not in repr(settings)
    assert settings.api_key == "sk-SECRET-123"


def test_environment_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a")
    monkeypatch.setenv("ENRICH_MODEL", "first")
    assert resolve_settings().model == "first"
    monkeypatch.setenv("ENRICH_MODEL", "second")
    assert resolve_settings().model == "second"
