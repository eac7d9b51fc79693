"""Shared fixtures: the bundled sample corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.llama_server", "tests.fake_openai_server"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sample_corpus() -> Path:
    return ROOT / "corpus"
