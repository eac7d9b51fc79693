"""Several endpoints, one killed halfway: abstracts lost, answered twice, and the wall time
against the ideal for the capacity that was there.

Starts `--replicas` stub servers (child processes answering after `--latency` seconds), sends
`--abstracts` distinct abstracts through the shared chat layer with each replica taking
`--concurrency` requests at once, and kills one replica (SIGKILL) when half the answers are in.
The ideal is the first half at full capacity plus the second half at the survivors' capacity:
half / (replicas x concurrency / latency) + half / ((replicas - 1) x concurrency / latency).

    python bench/endpoints.py [--abstracts 2000] [--replicas 3] [--concurrency 8] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stub_server import StubServer

from enrich.backends.base import ExtractRequest, ExtractResult
from enrich.backends.chat import ChatBackend
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from enrich.providers.base import EndpointSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=2000)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8, help="per replica")
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    requests = [
        ExtractRequest(key=f"k{i}", title=f"Paper {i}", abstract=f"We study problem {i}.")
        for i in range(args.abstracts)
    ]
    half = args.abstracts // 2
    with ExitStack() as stack:
        servers = [stack.enter_context(StubServer(args.latency)) for _ in range(args.replicas)]
        victim = servers[1]
        backend = ChatBackend(
            prompt, model="stub", base_url=None, api_key=None, provider="server",
            endpoints=[EndpointSpec(s.base_url, args.concurrency) for s in servers],
            concurrency=args.concurrency,
        )  # fmt: skip
        delivered: Counter[str] = Counter()
        killed_at: list[float] = []

        def on_result(result: ExtractResult) -> None:
            delivered[result.key] += 1
            if sum(delivered.values()) == half:
                victim.kill()
                killed_at.append(time.perf_counter())

        started = time.perf_counter()
        results = backend.extract(requests, on_result=on_result)
        wall = time.perf_counter() - started
        received = sum(s.requests for s in servers)
    ok = sum(1 for r in results if r.extraction is not None)
    lost = args.abstracts - len({k for k in delivered if delivered[k]})
    twice = sum(1 for count in delivered.values() if count > 1)
    full = args.replicas * args.concurrency / args.latency
    survivors = (args.replicas - 1) * args.concurrency / args.latency
    ideal = half / full + (args.abstracts - half) / survivors
    traffic, _ = backend.traffic()
    print(f"{args.abstracts} abstracts, {args.replicas} replicas x {args.concurrency} in flight, "
          f"{args.latency * 1000:.0f} ms; replica 2 killed after {half} answers "
          f"({killed_at[0] - started:.2f} s in)")  # fmt: skip
    print(f"  ok {ok}, failed {len(results) - ok}, lost {lost}, answered twice {twice}")
    for endpoint in traffic:
        print(f"  {endpoint.url}: sent {endpoint.sent}, answered {endpoint.answered}, "
              f"lost in flight and resent {endpoint.lost}")  # fmt: skip
    print(f"  requests received by the replicas: {received} ({received - args.abstracts} more "
          f"than abstracts: cut off by the kill, or refused before it was noticed)")  # fmt: skip
    print(f"  wall {wall:.2f} s; ideal for the capacity there {ideal:.2f} s; "
          f"ratio {wall / ideal:.2f} (target <= 1.3)")  # fmt: skip


if __name__ == "__main__":
    main()
