"""Ingest throughput: entries parsed and de-duplicated per second.

Builds a synthetic corpus by repeating the sample profile dumps with varied titles (so that
de-duplication has real work), then times `read_corpus` on it.

    python bench/ingest.py [--copies 40]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from enrich.ingest import read_corpus
from enrich.readers.profile import ENTRY_HEADER

ROOT = Path(__file__).resolve().parent.parent


def build(folder: Path, copies: int) -> int:
    """Write `copies` variants of each sample dump; return the number of entries written."""
    entries = 0
    for source in sorted((ROOT / "corpus").glob("0*.txt")):
        lines = source.read_text(encoding="utf-8").splitlines()
        for copy in range(copies):
            out: list[str] = []
            title_next = False
            for line in lines:
                if ENTRY_HEADER.match(line):
                    entries += 1
                    title_next = True
                    out.append(line)
                    continue
                if title_next and line.strip():
                    # make every copy a distinct paper; half collide with the previous copy
                    tag = copy // 2
                    line = re.sub(r"^(\S+)", rf"\1 v{tag}", line, count=1)
                    title_next = False
                out.append(line)
            (folder / f"{source.stem}_{copy:03d}.txt").write_text("\n".join(out) + "\n")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        entries = build(folder, args.copies)
        start = time.perf_counter()
        corpus = read_corpus([folder])
        elapsed = time.perf_counter() - start
    print(f"files: {corpus.files_read}")
    print(f"entries: {corpus.entries} (written {entries})")
    print(f"papers after de-duplication: {len(corpus.papers)}")
    print(f"warnings: {len(corpus.warnings)}")
    print(f"seconds: {elapsed:.2f}")
    print(f"entries/s: {corpus.entries / elapsed:.0f}")


if __name__ == "__main__":
    main()
