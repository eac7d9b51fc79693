"""A requests-per-minute budget against a server that answers 429 above it: the share of
requests answered 429, with the budget and without it.

The stub (a child process) answers 429 with Retry-After: 1 to any request that would make more
than `--limit` accepted requests in the last 60 seconds, as a provider's rate limit does. The
run sends `--abstracts` distinct abstracts, `--concurrency` at a time, first with `--rpm` equal
to the limit (a few minutes: the budget is the point), then `--baseline` abstracts without a
budget.

    python bench/rate_limit.py [--abstracts 1500] [--limit 600] [--baseline 800]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stub_server import StubServer

from enrich.backends.base import ExtractRequest
from enrich.backends.chat import ChatBackend
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set


def _run(abstracts: int, limit: int, rpm: int | None, concurrency: int, latency: float) -> None:
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    requests = [
        ExtractRequest(key=f"k{i}", title=f"Paper {i}", abstract=f"We study problem {i}.")
        for i in range(abstracts)
    ]
    with StubServer(latency, limit_rpm=limit) as server:
        backend = ChatBackend(
            prompt, model="stub", base_url=server.base_url, api_key=None, provider="server",
            concurrency=concurrency, rpm=rpm, retry_wait_max=5.0,
        )  # fmt: skip
        started = time.perf_counter()
        results = backend.extract(requests)
        wall = time.perf_counter() - started
        received, limited = server.requests, server.limited
    ok = sum(1 for r in results if r.extraction is not None)
    label = f"--rpm {rpm}" if rpm else "no budget"
    print(f"{label}: {abstracts} abstracts, server limit {limit}/min, {concurrency} in flight")
    print(f"  requests {received}, answered 429: {limited} ({limited / received:.2%}); "
          f"ok {ok}, failed {abstracts - ok}; wall {wall:.1f} s "
          f"({abstracts / wall * 60:.0f} abstracts/min)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=1500)
    parser.add_argument("--limit", type=int, default=600, help="the server's requests/minute")
    parser.add_argument("--baseline", type=int, default=800, help="abstracts without a budget")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    _run(args.abstracts, args.limit, args.limit, args.concurrency, args.latency)
    if args.baseline:
        _run(args.baseline, args.limit, None, args.concurrency, args.latency)


if __name__ == "__main__":
    main()
