"""The README's Quickstart is what CI runs: keep them from drifting apart."""

from __future__ import annotations

import re

import pytest

from tests import conftest
from tests.conftest import ROOT


def _quickstart_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quickstart\s+```bash\n(.*?)```", readme, re.DOTALL)
    assert block is not None, "README.md has no Quickstart code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command() -> None:
    lines = _quickstart_lines()
    assert len(lines) == 2
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines[1] in ci_script


def test_quickstart_runs_the_main_job_on_the_sample_corpus() -> None:
    first = _quickstart_lines()[0]
    assert "pip install" in first and first.endswith("enrich corpus/")


def test_integration_tests_skip_only_where_not_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest.importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("ENRICH_INTEGRATION", raising=False)
    llama, browser = conftest.skip_reason("llama"), conftest.skip_reason("browser")
    assert llama is not None and "llama-cpp-python" in llama and "[integration]" in llama
    assert browser is not None and "selenium" in browser and "chromium" in browser
    monkeypatch.setenv("ENRICH_INTEGRATION", "required")  # as in .ci/run: never skipped
    assert conftest.skip_reason("llama") is None and conftest.skip_reason("browser") is None
    assert "export ENRICH_INTEGRATION=required" in (ROOT / ".ci" / "run").read_text()
