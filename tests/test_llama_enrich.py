"""`enrich --base-url` against a server we did not write: llama-cpp-python with the 0.5B model.

This proves the protocol (quality is `test_local_backend.py`'s): the json_schema rejection is
detected, JSON mode with a grammar-enforced schema gives schema-valid records with token usage,
and the rerun is served from the cache.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from tests.llama_server import LlamaServer

pytestmark = pytest.mark.llama

ABSTRACTS = [
    ("Paper A", "We propose MemFT, a threshold-guided fine-tuning method for LLMs."),
    ("Paper B", "We introduce SteerEval, a benchmark for LLM controllability."),
    ("Paper C", "SimplePoster reaches 98.7% subject preservation on product posters."),
]


def _listing(folder: Path) -> Path:
    listing = folder / "papers.jsonl"
    listing.write_text(
        "".join(json.dumps({"title": t, "abstract": a}) + "\n" for t, a in ABSTRACTS),
        encoding="utf-8",
    )
    return listing


def test_enrich_runs_against_llama_cpp_server(llama_server: LlamaServer, tmp_path: Path) -> None:
    listing = _listing(tmp_path)
    argv = [
        str(listing),
        *("--base-url", llama_server.base_url, "--model", llama_server.model),
        *("--max-tokens", "512", "--concurrency", "1", "--timeout", "300"),
        *("--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), "--json"),
    ]
    runner = CliRunner()
    first = runner.invoke(app, argv, env={"OPENAI_API_KEY": ""})
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    records = [
        json.loads(line) for line in (tmp_path / "out" / "papers.jsonl").read_text().splitlines()
    ]
    assert len(records) == 3
    assert [r["status"] for r in records] == ["ok"] * 3, [r["error"] for r in records]
    assert first.exit_code == 0
    for record in records:
        assert set(record["extraction"]) >= {"summary", "methods", "tasks", "gains", "ungrounded"}
        assert record["backend"] == "openai" and record["model"] == llama_server.model
    assert run["prompt_tokens"] > 0 and run["completion_tokens"] > 0
    assert run["requests"] == 4  # json_schema rejected once, then JSON mode for each abstract

    # another gains policy applies after the cache: a rerun, every answer from the cache
    again = runner.invoke(app, [*argv, "--gains", "both"], env={"OPENAI_API_KEY": ""})
    assert again.exit_code == 0
    summary = json.loads(again.stdout)
    assert (summary["cache_hits"], summary["requests"]) == (3, 0)


def test_llama_cpp_is_one_replica_among_several(llama_server: LlamaServer, tmp_path: Path) -> None:
    """The real server as one of two endpoints of a run, the other a port that refuses every
    connection: every abstract is answered, by llama.cpp, and the dead endpoint's requests
    moved."""
    with socket.socket() as closed:  # a port nothing listens on: connections are refused
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/v1"
    listing = _listing(tmp_path)
    argv = [
        str(listing),
        *("--base-url", dead, "--base-url", llama_server.base_url, "--model", llama_server.model),
        *("--max-tokens", "512", "--concurrency", "1", "--timeout", "300", "--items", "model"),
        *("--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), "--quiet"),
    ]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert run["extracted"] == len(ABSTRACTS) and run["failures"] == 0
    traffic = {e["url"]: e for e in run["endpoints"]}
    assert traffic[dead]["answered"] == 0 and traffic[dead]["lost"] >= 1
    assert traffic[llama_server.base_url.rstrip("/")]["answered"] >= len(ABSTRACTS)
