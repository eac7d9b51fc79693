"""The README's Quickstart is what CI runs: keep them from drifting apart."""

from __future__ import annotations

import re

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
