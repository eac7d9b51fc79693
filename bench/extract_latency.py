"""Extraction throughput and whole-command time against a server with fixed latency.

Runs the installed `enrich CORPUS --concurrency N` as a user would (a new process: interpreter
start, imports, ingest, extraction, outputs) against a local stub that answers every request
after `--latency` seconds, once per provider, then reruns it. Prints the requests sent, the
extraction time against the ideal ceil(papers / N) x latency, the whole command's time, the
requests of the rerun (0 when the cache works) and `enrich --version`'s time.

    python bench/extract_latency.py [--concurrency 16] [--latency 0.1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stub_server import StubServer

ROOT = Path(__file__).resolve().parent.parent
ENRICH = [sys.executable, "-m", "enrich"]


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:4])} failed: {done.stderr[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs per provider (median shown)")
    parser.add_argument("extra", nargs="*", help="more enrich options, after --")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ENRICH_"))}
    versions = [_timed([*ENRICH, "--version"], env) for _ in range(5)]
    print(f"enrich --version: {statistics.median(versions):.3f}s (median of 5; target <= 0.15)")
    for provider in ("server", "openai"):
        wholes, extracts, reruns = [], [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp, StubServer(args.latency) as server:
                argv = [
                    *ENRICH, str(args.corpus), "--base-url", server.base_url, "--model", "stub",
                    "--provider", provider, "--concurrency", str(args.concurrency),
                    "--cache-dir", f"{tmp}/cache", "--out", f"{tmp}/out", "--quiet", *args.extra,
                ]  # fmt: skip
                wholes.append(_timed(argv, env))
                run = json.loads(Path(f"{tmp}/out/run.json").read_text())
                extracts.append(run["wall_seconds"])
                sent = server.requests
                _timed(argv, env)
                reruns.append(server.requests - sent)
        papers = run["extracted"]
        ideal = math.ceil(papers / args.concurrency) * args.latency
        extract, whole = statistics.median(extracts), statistics.median(wholes)
        print(f"--provider {provider}: {papers} papers, {sent} requests")
        waves = f"ceil({papers}/{args.concurrency}) x {args.latency}s"
        print(f"  ideal extraction: {waves} = {ideal:.2f}s")
        print(f"  extraction: {extract:.2f}s (ratio {extract / ideal:.2f})")
        print(f"  whole command: {whole:.2f}s (median of {args.repeat}; target <= 1.5)")
        print(f"  rerun requests: {max(reruns)}")


if __name__ == "__main__":
    main()
