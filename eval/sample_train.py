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
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

from sample_recent import REPO, _key, candidates, is_team_paper, team_material

HELD_OUT = ("eval/recent.jsonl",)


def sample(
    pool: list[dict], n: int, seed: int, keys: set[str], corpus: str, files: int
) -> list[dict]:
    order = list(pool)
    random.Random(seed).shuffle(order)
    per_day_cap, per_category_cap = math.ceil(n / files), math.ceil(n / 3)
    per_day: Counter[str] = Counter()
    per_category: Counter[str] = Counter()
    picked: list[dict] = []
    for record in order:
        if len(picked) == n:
            break
        day = record["source"].rsplit(":", 1)[0]
        category = record["categories"][0]
        if per_day[day] >= per_day_cap or per_category[category] >= per_category_cap:
            continue
        if is_team_paper(record, keys, corpus):
            continue
        per_day[day] += 1
        per_category[category] += 1
        picked.append(record)
    return picked


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
    keys, corpus = team_material(REPO)
    for path in [REPO / name for name in HELD_OUT] + args.exclude:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                keys.update(_key(record[f]) for f in ("title", "abstract") if record.get(f))
    files = len(list(args.data.glob("*.jsonl")))
    picked = sample(pool, args.n, args.seed, keys, corpus, files)
    for record in picked:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    categories = Counter(record["categories"][0] for record in picked)
    days = Counter(record["source"].rsplit(":", 1)[0] for record in picked)
    print(
        f"{len(picked)} of {len(pool)} candidates from {len(days)} listing files; categories: "
        + ", ".join(f"{c} {k}" for c, k in categories.most_common()),
        file=sys.stderr,
    )
    return 0 if len(picked) == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
