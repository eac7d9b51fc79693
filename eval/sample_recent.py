"""Sample recent arXiv abstracts for the held-out `eval/recent.jsonl` set.

What it is for: `eval/recent.jsonl` is a small hand-labeled set of 2025 arXiv abstracts that
checks extraction quality on abstracts the team never developed against. It is only ever
scored, never used to tune rules, lexicons or prompts. This script picks which abstracts go in
it, deterministically, so the choice is reproducible and was not cherry-picked.

How it was run (from the repository root):

    python3 eval/sample_recent.py > /tmp/recent_sample.jsonl

i.e. with the defaults `--data ../shared/data/arxiv2025 --n 30 --seed 2025`; the 30 printed
records were then labeled by hand under `eval/GUIDELINES.md` into `eval/recent.jsonl`.

Selection, stdlib only, deterministic for a given pool:
- read every `*.jsonl` listing under `--data` in sorted file order; a paper listed on several
  days keeps only its first listing (duplicate arXiv ids are skipped);
- `abstract` is the API's `summary` with its hard-wrap newlines joined into single spaces
  (`" ".join(summary.split())`); abstracts shorter than 400 or longer than 2000 characters
  (after joining) are skipped;
- papers already in the team's own material (same title or abstract as a paper in `corpus/`,
  `eval/dev.jsonl`, `eval/gold.jsonl` or `prompts/extract/examples.jsonl`) are skipped, so the
  set stays held out; 4 papers of the 2025 pool are in the sample corpus;
- candidates are shuffled with `random.Random(seed)` and taken in that order, accepting one only
  if its day file has no pick yet (spread across days: at most one abstract per listing
  file) and its primary category (first entry of `categories`) has fewer than
  ceil(n / 3) picks (spread across categories: no category, not even cs.CV with about half of
  the pool, fills more than a third of the set).

Output: one JSON object per line on stdout, `{"id": "arxiv:<id>", "title", "abstract",
"source": "arxiv2025/<file>:<line>", "categories"}` (line numbers are 1-based), in the order
they were drawn. A summary goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIN_CHARS, MAX_CHARS = 400, 2000
TEAM_JSONL = ("eval/dev.jsonl", "eval/gold.jsonl", "prompts/extract/examples.jsonl")


def _key(text: str) -> str:
    """Letters and digits only, lowercased: matches a title or abstract across layouts."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def team_material(repo: Path, also: Sequence[Path] = ()) -> tuple[set[str], str]:
    """Keys of the titles and abstracts the team has seen (and of the JSONL files `also`, which
    must exist), and the folded sample corpus."""
    keys: set[str] = set()
    present = [path for path in (repo / name for name in TEAM_JSONL) if path.exists()]
    for path in [*present, *also]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            for field in ("title", "abstract", "text"):
                value = record.get(field)
                if isinstance(value, str) and value.strip():
                    keys.add(_key(value))
    corpus = "".join(
        path.read_text(encoding="utf-8") for path in sorted((repo / "corpus").glob("*.txt"))
    )
    return keys, _key(corpus)


def candidates(data: Path) -> list[dict]:
    """Every usable listing: first occurrence of each id, abstract within the length bounds."""
    seen: set[str] = set()
    out: list[dict] = []
    for path in sorted(data.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                raw = json.loads(line)
                arxiv_id = raw["id"]
                if arxiv_id in seen:
                    continue
                seen.add(arxiv_id)
                abstract = " ".join(raw["summary"].split())
                if not MIN_CHARS <= len(abstract) <= MAX_CHARS:
                    continue
                out.append({
                    "id": f"arxiv:{arxiv_id}",
                    "title": " ".join(raw["title"].split()),
                    "abstract": abstract,
                    "source": f"{data.name}/{path.name}:{number}",
                    "categories": list(raw["categories"]),
                })  # fmt: skip
    return out


def is_team_paper(record: dict, keys: set[str], corpus: str) -> bool:
    title, abstract = _key(record["title"]), _key(record["abstract"])
    if title in keys or abstract in keys:
        return True
    return (len(title) > 20 and title in corpus) or abstract[:300] in corpus


def sample(
    pool: list[dict], n: int, seed: int, keys: set[str], corpus: str, per_day: int = 1
) -> list[dict]:
    """The first `n` of the shuffled pool, at most `per_day` per listing file and a third per
    primary category, skipping the team's own papers."""
    order = list(pool)
    random.Random(seed).shuffle(order)
    cap = math.ceil(n / 3)
    days: Counter[str] = Counter()
    per_category: Counter[str] = Counter()
    picked: list[dict] = []
    for record in order:
        if len(picked) == n:
            break
        day = record["source"].rsplit(":", 1)[0]
        category = record["categories"][0]
        if days[day] >= per_day or per_category[category] >= cap:
            continue
        if is_team_paper(record, keys, corpus):
            print(f"skipped (in team material): {record['id']}", file=sys.stderr)
            continue
        days[day] += 1
        per_category[category] += 1
        picked.append(record)
    return picked


def emit(picked: list[dict], pool: list[dict], n: int) -> int:
    """The picked records on stdout, a summary on stderr; exit status 1 when short of `n`."""
    for record in picked:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    categories = Counter(record["categories"][0] for record in picked)
    days = {record["source"].rsplit(":", 1)[0] for record in picked}
    print(
        f"{len(picked)} of {len(pool)} candidates from {len(days)} listing files; categories: "
        + ", ".join(f"{c} {k}" for c, k in categories.most_common()),
        file=sys.stderr,
    )
    return 0 if len(picked) == n else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=REPO.parent / "shared" / "data" / "arxiv2025",
        help="directory of arXiv listing *.jsonl files (default: ../shared/data/arxiv2025 "
        "relative to the repository root)",
    )
    parser.add_argument("--n", type=int, default=30, help="abstracts to draw (default 30)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    args = parser.parse_args(argv)

    pool = candidates(args.data)
    keys, corpus = team_material(REPO)
    return emit(sample(pool, args.n, args.seed, keys, corpus), pool, args.n)


if __name__ == "__main__":
    sys.exit(main())
