"""Offline run at scale: time per abstract and peak memory at 10,000 and 100,000 abstracts.

Builds a synthetic corpus on the fly from the arXiv listings in `../shared/data/arxiv2025/`
(each listing copied with a distinct arXiv-style id and a numbered title, so every copy is its
own paper and its own cache key), then runs the real command as a user would:

    enrich CORPUS --backend offline --no-cache --out OUT --quiet

in a child process, and prints the papers, the wall time, the time per abstract and the child's
peak resident memory (ru_maxrss), for each size.

    python bench/scale.py [--sizes 10000 100000] [--source ../shared/data/arxiv2025]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _listings(source: Path) -> list[dict[str, object]]:
    rows = []
    for path in sorted(source.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _copies(rows: list[dict[str, object]], size: int) -> Iterator[dict[str, object]]:
    for n in range(size):
        row = dict(rows[n % len(rows)])
        copy = n // len(rows)
        row["id"] = f"{9000 + copy % 1000:04d}.{n % 100000:05d}"
        for key in ("abs", "pdf"):
            row.pop(key, None)
        if copy:
            row["title"] = f"{row['title']} ({copy})"
        yield row


def _write_corpus(folder: Path, rows: list[dict[str, object]], size: int) -> None:
    folder.mkdir(parents=True)
    per_file = 5000
    sink = None
    for n, row in enumerate(_copies(rows, size)):
        if n % per_file == 0:
            if sink is not None:
                sink.close()
            sink = (folder / f"part-{n // per_file:04d}.jsonl").open("w", encoding="utf-8")
        assert sink is not None
        sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    if sink is not None:
        sink.close()


def _run(corpus: Path, out: Path) -> tuple[float, int, dict[str, object]]:
    """Wall seconds and peak RSS (bytes) of one child `enrich` run, and its run.json."""
    argv = [sys.executable, "-m", "enrich", str(corpus), "--backend", "offline", "--no-cache",
            "--out", str(out), "--quiet"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ENRICH_"))}
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # a fresh child per run, so ru_maxrss is this run's alone
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-3000:])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        (out.parent / "peak").write_text(str(peak))
        os._exit(done.returncode)
    _, status = os.waitpid(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"enrich failed on {corpus}")
    peak_kb = int((out.parent / "peak").read_text())
    run = json.loads((out / "run.json").read_text())
    return wall, peak_kb * 1024, run


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--source", type=Path, default=ROOT.parent / "shared" / "data" / "arxiv2025"
    )
    args = parser.parse_args()
    rows = _listings(args.source)
    print(f"source: {len(rows):,} listings in {args.source}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            _write_corpus(corpus, rows, size)
            wall, peak, run = _run(corpus, Path(tmp) / "out")
            papers = int(str(run["papers"]))
            print(
                f"{papers:,} papers: {wall:.1f}s wall, {1000 * wall / papers:.2f} ms per abstract, "
                f"peak RSS {peak / 2**20:,.0f} MiB (extraction {run['wall_seconds']}s)"
            )


if __name__ == "__main__":
    main()
