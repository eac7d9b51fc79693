"""Extraction throughput against an OpenAI-compatible server with fixed latency.

Runs `enrich CORPUS --concurrency N` (the real CLI, the real openai SDK, real HTTP) against a
local stub that answers every request after `--latency` seconds, then reruns it. Prints the
requests sent, the extraction time against the ideal ceil(papers / N) x latency, and the
requests of the rerun (0 when the cache works).

    python bench/extract_latency.py [--concurrency 16] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stub_server import StubServer

from enrich.cli import app

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("extra", nargs="*", help="more enrich options, after --")
    args = parser.parse_args()
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp, StubServer(args.latency) as server:
        argv = [
            str(args.corpus), "--base-url", server.base_url, "--model", "stub",
            "--concurrency", str(args.concurrency), "--cache-dir", f"{tmp}/cache",
            "--out", f"{tmp}/out", "--quiet", *args.extra,
        ]  # fmt: skip
        started = time.perf_counter()
        first = runner.invoke(app, argv, env={"OPENAI_API_KEY": ""})
        total = time.perf_counter() - started
        if first.exit_code != 0:
            raise SystemExit(f"run failed: {first.output}")
        run = json.loads(Path(f"{tmp}/out/run.json").read_text())
        requests_first = server.requests
        runner.invoke(app, argv, env={"OPENAI_API_KEY": ""})
        requests_rerun = server.requests - requests_first
    papers = run["extracted"]
    ideal = math.ceil(papers / args.concurrency) * args.latency
    extract = run["wall_seconds"]
    print(f"papers extracted: {papers}")
    print(f"requests sent: {requests_first}")
    print(
        f"ideal extraction time: ceil({papers}/{args.concurrency}) x {args.latency}s = {ideal:.2f}s"
    )
    print(f"extraction time: {extract:.2f}s  (ratio {extract / ideal:.2f}, target <= 1.25)")
    print(f"whole command incl. start-up and ingest: {total:.2f}s")
    print(f"rerun requests: {requests_rerun}")


if __name__ == "__main__":
    main()
