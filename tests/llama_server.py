"""A real OpenAI-compatible server for tests: llama.cpp serving Qwen2.5-Coder-0.5B-Instruct.

The server and the model come with the ``integration`` extra (``enrich[local,qwen-0.5b]``); the
fixture starts them through enrich's own `LocalServer`, as ``--backend local`` does, so nothing
is fetched at run time. Use the session fixture ``llama_server`` and mark the test with
``@pytest.mark.llama``. The model file is assembled once into the user cache.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from enrich.errors import EnrichError
from enrich.local.models import ModelFile, resolve_model
from enrich.local.server import LocalServer

__all__ = ["MODEL_ALIAS", "LlamaServer", "llama_server", "test_model_file"]

MODEL_ALIAS = "qwen-0.5b"
INSTALL_HINT = "install the integration extra: pip install -e '.[integration]'"


@dataclass(frozen=True)
class LlamaServer:
    """A running ``llama_cpp.server`` process."""

    base_url: str
    model: str
    log_path: Path
    model_path: Path
    startup_s: float


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "llama: starts a local llama.cpp server on the packaged 0.5B model"
    )


def models_dir() -> Path:
    """Where tests keep assembled models between sessions (the user cache)."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "enrich-test-models"


def test_model_file() -> ModelFile:
    """The packaged 0.5B model, assembled and verified (fails the test if not installed)."""
    try:
        return resolve_model(gguf=None, name=MODEL_ALIAS, models_dir=models_dir(), env={})
    except EnrichError as exc:
        pytest.fail(f"{exc}; {INSTALL_HINT}", pytrace=False)


test_model_file.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """A llama.cpp server on 127.0.0.1, shared by the whole session."""
    model = test_model_file()
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    server = LocalServer(model.path, alias=MODEL_ALIAS, log_path=log_path)
    try:
        server.start()
    except EnrichError as exc:
        pytest.fail(f"{exc}; {INSTALL_HINT}", pytrace=False)
    try:
        yield LlamaServer(
            base_url=server.base_url,
            model=MODEL_ALIAS,
            log_path=log_path,
            model_path=model.path,
            startup_s=server.startup_seconds,
        )
    finally:
        server.stop()
