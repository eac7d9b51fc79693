"""Shared fixtures: the bundled sample corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sample_corpus() -> Path:
    return ROOT / "corpus"
