"""A rerun of the arXiv pool: cold, unchanged (up to date), and from the cache.

Runs the real command three times into one output folder, as a user would:

1. cold: an empty cache, every abstract extracted;
2. unchanged: the same command again (the folder is up to date: nothing is read or written);
3. from the cache: `--gains both`, a policy applied after the cache, so every answer comes from
   the cache but every output is rebuilt.

    python bench/warm_rerun.py [--corpus ../shared/data/arxiv2025] [--backend offline]

`--backend openai` runs against a local stub server answering at once (no latency).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stub_server import StubServer

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "arxiv2025"
    )
    parser.add_argument("--backend", choices=("offline", "openai"), default="offline")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ENRICH_"))}
    server = StubServer(0.0) if args.backend == "openai" else nullcontext()
    with tempfile.TemporaryDirectory() as tmp, server as stub:
        argv = [sys.executable, "-m", "enrich", str(args.corpus), "--backend", args.backend,
                "--cache-dir", f"{tmp}/cache", "--out", f"{tmp}/out", "--quiet"]  # fmt: skip
        if isinstance(stub, StubServer):
            argv += ["--base-url", stub.base_url, "--model", "stub", "--concurrency", "16"]
        for label, extra in (
            ("cold", []),
            ("unchanged", []),
            ("from the cache", ["--gains", "both"]),
        ):
            started = time.perf_counter()
            done = subprocess.run([*argv, *extra], env=env, capture_output=True, text=True)
            took = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"{label} run failed: {done.stderr[-2000:]}")
            run = json.loads(Path(f"{tmp}/out/run.json").read_text())
            print(
                f"{label}: {took:.2f}s ({run['papers']:,} papers, {run['cache_hits']:,} from the "
                f"cache, run {run['run_id']})"
            )


if __name__ == "__main__":
    main()
