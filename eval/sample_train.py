"""Sample 2025 arXiv abstracts for the training labels in `eval/train.jsonl`.

What it is for: the offline extractor learns our labelling convention (`eval/GUIDELINES.md`)
from abstracts labeled by hand under it. This script picks which abstracts get labeled,
deterministically, so the choice is reproducible and was not cherry-picked.

How it was run (from the repository root), in two rounds of 320:

    python3 eval/sample_train.py > /tmp/train_1.jsonl
    python3 eval/sample_train.py --seed 1104 --exclude eval/train.jsonl > /tmp/train_2.jsonl

i.e. with the defaults `--data ../shared/data/arxiv2025 --n 320 --seed 1103` first, then a new
seed excluding what the first round labeled; each round's records were split into batches of 40
in order and labeled by hand under `eval/GUIDELINES.md`.

Selection, stdlib only, the same rules as `eval/sample_recent.py` (read its docstring) except:
- papers in any of the team's sets are skipped, the held-out `eval/recent.jsonl` included, so
  training never sees an abstract of dev, gold or recent;
- spread across days: a listing file gives at most ceil(n / files) abstracts (not one);
- spread across categories: no primary category fills more than a third of the sample.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sample_recent import REPO, candidates, emit, sample, team_material

HELD_OUT = ("eval/recent.jsonl",)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "arxiv2025")
    parser.add_argument("--n", type=int, default=320, help="abstracts to draw (default 320)")
    parser.add_argument("--seed", type=int, default=1103, help="random seed (default 1103)")
    parser.add_argument(
        "--exclude", type=Path, action="append", default=[], help="skip the abstracts of FILE"
    )
    args = parser.parse_args(argv)

    pool = candidates(args.data)
    keys, corpus = team_material(REPO, [REPO / name for name in HELD_OUT] + args.exclude)
    per_day = math.ceil(args.n / len(list(args.data.glob("*.jsonl"))))
    return emit(sample(pool, args.n, args.seed, keys, corpus, per_day), pool, args.n)


if __name__ == "__main__":
    sys.exit(main())
