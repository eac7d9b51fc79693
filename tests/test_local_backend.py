"""`--backend local` on a real instruction-tuned model (Qwen2.5-Coder-0.5B-Instruct).

enrich starts llama.cpp's server itself, extracts through the OpenAI-compatible backend and
stops the server at the end, on errors, on Ctrl-C, on SIGTERM, and (through the kernel's
parent-death signal) even when enrich is killed outright.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.backends.base import ExtractRequest
from enrich.backends.local import LocalBackend
from enrich.cli import app
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from tests.llama_server import test_model_file

pytestmark = pytest.mark.llama

ROOT = Path(__file__).resolve().parent.parent
DEV_RECORDS = 3
# Measured with the shipped prompts, the 0.5B model, 2 threads, on the first 3 records of
# eval/dev.jsonl (default --gains rules, --items both): relaxed micro-F1 0.267, 11 of 26
# extracted items ungrounded (0.423), 0 failed. The floors sit just under those figures: a drop
# means the prompts, grounding or rules regressed.
RELAXED_F1_FLOOR = 0.25
UNGROUNDED_SHARE_CEILING = 0.45


def _servers_of(pid: int, alias: str | None = None) -> list[int]:
    """Live llama_cpp.server processes whose parent is `pid` (serving `alias`, if given)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if b"llama_cpp.server" not in cmdline or fields.get("State", "").startswith("Z"):
            continue
        if alias is not None and f" {alias} ".encode() not in cmdline:
            continue
        if int(fields.get("PPid", "0")) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


def _wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.2)
    return False


def test_eval_on_dev_abstracts_is_ok_grounded_and_above_its_floor(tmp_path: Path) -> None:
    model = test_model_file()
    gold = tmp_path / "dev3.jsonl"
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    gold.write_text("\n".join(lines[:DEV_RECORDS]) + "\n", encoding="utf-8")
    argv = [
        "eval", "--backend", "local", "--gguf", str(model.path), "--gold", str(gold),
        "--runs-dir", str(tmp_path / "runs"), "--cache-dir", str(tmp_path / "cache"), "--json",
    ]  # fmt: skip
    result = CliRunner().invoke(app, argv, env={"OPENAI_API_KEY": "", "ENRICH_GGUF": ""})
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["backend"] == "local" and run["failures"] == {}
    assert run["items_kept"] > 0
    assert run["ungrounded_share"] <= UNGROUNDED_SHARE_CEILING
    assert run["overall"]["relaxed_micro_f1"] >= RELAXED_F1_FLOOR, run["overall"]
    # the run's own server (named after the file; the session fixture's is "qwen-0.5b") is gone
    assert _servers_of(os.getpid(), alias=model.path.stem) == []
    log = (tmp_path / "runs" / "llama-server.log").read_text()
    assert "llama_cpp.server" in log

    again = CliRunner().invoke(app, argv, env={"OPENAI_API_KEY": "", "ENRICH_GGUF": ""})
    rerun = json.loads(again.stdout)
    assert (rerun["requests"], rerun["cache_hits"]) == (0, DEV_RECORDS)
    assert log == (tmp_path / "runs" / "llama-server.log").read_text()  # never started again


def test_server_is_stopped_when_extraction_fails(tmp_path: Path) -> None:
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    backend = LocalBackend(prompt, test_model_file(), log_dir=tmp_path, max_tokens=16)

    def explode(_: object) -> None:
        raise RuntimeError("downstream failure")

    request = ExtractRequest("k", "T", "We propose X.")
    with pytest.raises(RuntimeError, match="downstream failure"):
        try:
            backend.extract([request], on_result=explode)
        finally:
            server = backend.server.process
            backend.close()
    assert server is None or server.poll() is not None
    assert backend.server.process is None


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_server_outlives_an_interrupted_or_killed_run(tmp_path: Path, how: int) -> None:
    listing = tmp_path / "papers.jsonl"
    listing.write_text(
        json.dumps({"title": "T", "abstract": "We propose MemFT for LLM fine-tuning."}) + "\n"
    )
    command = [
        sys.executable, "-m", "enrich", str(listing), "--backend", "local",
        "--gguf", str(test_model_file().path), "--out", str(tmp_path / "out"),
        "--cache-dir", str(tmp_path / "cache"), "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": ""}
    run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: _servers_of(run.pid), 120), "no server was started"
        (server,) = _servers_of(run.pid)
        log = tmp_path / "out" / "llama-server.log"
        # signalled while the server works on the request (it finishes it before a SIGTERM)
        assert _wait(lambda: log.is_file() and "Uvicorn running" in log.read_text(), 120)
        time.sleep(1.0)
        run.send_signal(how)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert _wait(lambda: not _alive(server), 30), f"server {server} outlived enrich ({how})"
    if how != signal.SIGKILL:  # Ctrl-C and SIGTERM end the run cleanly, keeping the cache
        assert run.returncode == 130
        assert b"interrupted: finished extractions are cached" in stderr
