"""Offline extraction time on one very long abstract without sentence breaks.

Hostile or broken input (a dump, a table flattened into one line) can hand the offline
extractor a single "abstract" of hundreds of thousands of characters with no sentence break.
Every rule must stay linear in its length. Two texts, cut at 25k, 50k, 100k and 200k characters:

- `prose`: the dev abstracts joined with their sentence-ending periods removed;
- `numbers`: a word soup with a number every few words (about one gain per 95 characters), the
  worst case for the gain rules.

    python bench/long_abstract.py [--gold eval/dev.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from enrich.backends.offline import OfflineBackend
from enrich.offline.gains import find_gains

ROOT = Path(__file__).resolve().parent.parent
SIZES = (25_000, 50_000, 100_000, 200_000)
_SOUP = [
    "we", "improve", "accuracy", "by", "3.2%", "over", "the", "baseline", "on", "ImageNet", "and",
    "reduce", "latency", "2x", "while", "the", "model", "reaches", "81.5", "top-1", "with", "BERT",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "dev.jsonl")
    args = parser.parse_args()
    lines = args.gold.read_text(encoding="utf-8").splitlines()
    prose = " ".join(json.loads(line)["abstract"].replace(". ", " ") for line in lines if line)
    rng = random.Random(1)
    numbers = " ".join(rng.choice(_SOUP) for _ in range(max(SIZES) // 5))
    backend = OfflineBackend()
    for name, source in (("prose", prose), ("numbers", numbers)):
        while len(source) < max(SIZES):
            source += " " + source
        for size in SIZES:
            text = source[:size]
            started = time.perf_counter()
            gains = find_gains(text)
            gain_seconds = time.perf_counter() - started
            started = time.perf_counter()
            backend.extract_one(text)
            whole = time.perf_counter() - started
            print(f"{name:8} {size:>7,} chars: gain rules {gain_seconds:.2f} s "
                  f"({len(gains)} gains), whole extraction {whole:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
