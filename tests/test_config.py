from __future__ import annotations

import re
from pathlib import Path

import pytest

from enrich.config import DEFAULT_MODEL, read_endpoints, resolve_settings
from enrich.errors import ConfigError
from enrich.providers.base import EndpointSpec


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


def test_several_base_urls_and_a_file_of_them(tmp_path: Path) -> None:
    listed = tmp_path / "replicas.txt"
    listed.write_text(
        "# two more replicas\nhttp://10.0.0.2:8000/v1 4\n\nhttp://10.0.0.3:8000/v1  # default\n",
        encoding="utf-8",
    )
    settings = resolve_settings(
        base_url=["http://10.0.0.1:8000/v1", str(listed)], env={}, cache_dir=tmp_path
    )
    assert settings.base_url == "http://10.0.0.1:8000/v1"  # the first names the model
    assert settings.endpoints == (
        EndpointSpec("http://10.0.0.1:8000/v1"),
        EndpointSpec("http://10.0.0.2:8000/v1", 4),
        EndpointSpec("http://10.0.0.3:8000/v1"),
    )
    assert settings.backend == "openai" and settings.provider == "server"


def test_one_base_url_from_the_environment_is_the_one_endpoint(tmp_path: Path) -> None:
    settings = resolve_settings(env={"OPENAI_BASE_URL": "http://h:1/v1"}, cache_dir=tmp_path)
    assert settings.endpoints == (EndpointSpec("http://h:1/v1"),)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("http://a/v1 four\n", "replicas.txt:1: expected `URL [CONCURRENCY]`"),
        ("http://a/v1\nftp://b/v1\n", "replicas.txt:2: expected"),
        ("http://a/v1 0\n", "replicas.txt:1: expected"),
        ("# nothing\n", "replicas.txt: no endpoint in the file"),
        ("http://a/v1\nhttp://a/v1/\n", "endpoint http://a/v1 is given twice"),
    ],
)
def test_a_bad_file_of_urls_names_the_line(tmp_path: Path, content: str, problem: str) -> None:
    listed = tmp_path / "replicas.txt"
    listed.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(problem)):
        read_endpoints([str(listed)])


def test_a_base_url_that_is_neither_url_nor_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="neither an http"):
        read_endpoints([str(tmp_path / "missing.txt")])
