"""Offline extractor speed: abstracts per second on one core, after start-up.

Times `OfflineBackend.extract` (tagger, span clean-up, method roles, gains, summary) over the
sample corpus's abstracts, repeated to a few thousand, in this one process. Start-up (loading the
model) is timed apart. The first pass warms the per-word feature cache, as a real run over a
corpus would; the figure reported is the best of the timed passes.

    python bench/offline_speed.py [--corpus ../shared/corpus] [--passes 5] [--repeat 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from enrich.backends.base import ExtractRequest
from enrich.backends.offline import OfflineBackend
from enrich.ingest import read_corpus

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20, help="copies of the corpus per pass")
    args = parser.parse_args()

    papers = [p for p in read_corpus([args.corpus]).papers if p.abstract]
    batch = [
        ExtractRequest(f"{n}:{p.id}", p.title, p.abstract)
        for n in range(args.repeat)
        for p in papers
    ]
    started = time.perf_counter()
    backend = OfflineBackend()
    startup = time.perf_counter() - started
    chars = sum(len(r.abstract) for r in batch)
    print(f"start-up (model load): {startup * 1000:.0f} ms")
    mean = chars / len(batch)
    print(f"{len(batch)} abstracts per pass ({len(papers)} distinct, {mean:.0f} chars each)")
    best = 0.0
    for n in range(args.passes):
        started = time.perf_counter()
        backend.extract(batch)
        elapsed = time.perf_counter() - started
        rate = len(batch) / elapsed
        best = max(best, rate)
        print(f"pass {n + 1}: {elapsed:.2f} s, {rate:.0f} abstracts/s")
    print(f"best: {best:.0f} abstracts/s on one core")


if __name__ == "__main__":
    main()
