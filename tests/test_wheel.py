"""The built wheel works where a user installs it: from another folder, with nothing of the
repository on the path (the prompts, the tagger's model and the report's assets are package
data)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import ROOT

_NOT_SOURCE = (".git", ".venv", "build", "cache", "*.egg-info", ".*_cache", "__pycache__",
               "eval", "bench", "tests")  # fmt: skip


def _run(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def test_the_built_wheel_runs_the_sample_corpus_from_another_folder(tmp_path: Path) -> None:
    # Built from a copy: pip builds in the source tree, and a stale build/ could hide a file
    # the package forgot to declare.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "pip", "wheel", source, "--no-deps",
                 "-q", "-w", dist)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("enrich-*.whl")

    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    python = venv / "bin" / "python"
    (site,) = venv.glob("lib/python*/site-packages")
    # The dependencies come from this test environment's packages; enrich itself only from
    # the wheel (a path added by a .pth line does not run that folder's own .pth files, so
    # this environment's editable install of enrich is not seen).
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                     "-q", wheel)  # fmt: skip
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(python, "-c", "import enrich; print(enrich.__file__)", cwd=elsewhere)
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr

    out = elsewhere / "enriched"
    result = _run(venv / "bin" / "enrich", ROOT / "corpus", "--out", out, "--cache-dir",
                  elsewhere / "cache", "--quiet", "--json", cwd=elsewhere)  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["backend"] == "offline" and summary["extracted"] == 134
    assert {"papers.jsonl", "report.html", "summary.md", "enrich.sqlite"} <= {
        p.name for p in out.iterdir()
    }
