"""`enrich summarize` against the local model: an overview per researcher profile and one for the
corpus, with every citation checked again here, from the files written.

Runs the real command on a run folder (make one first, fast: `enrich corpus/ --out /tmp/sumrun
--backend offline`), then reads OUT/overviews.json and OUT/summary.md back and counts, per
overview, the sentences, the citations and the invalid ones: an id that is not a paper of the
run in that overview's scope (a profile's own papers; any paper for the corpus), or that
summary.md does not show.

    python bench/summarize_local.py /tmp/sumrun [--model qwen-1.5b] [--max-papers 30]

A first run asks the model (the server's start and the first request take about a minute on
2 cores, later requests 10-40 s on the 0.5B model and more on the 1.5B); a rerun answers from
the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from enrich.core.overview import OverviewsFile, check_citations  # noqa: E402
from enrich.core.tables import record_profiles  # noqa: E402
from enrich.review import load_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path, help="a run folder (the --out of `enrich CORPUS`)")
    parser.add_argument("--model", default="qwen-1.5b")
    parser.add_argument("--max-papers", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "cache")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ENRICH_"))}
    argv = [sys.executable, "-m", "enrich", "summarize", str(args.out), "--backend", "local",
            "--model", args.model, "--concurrency", "1", "--timeout", str(args.timeout),
            "--max-papers", str(args.max_papers), "--cache-dir", str(args.cache_dir),
            "--json"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: an overview was dropped (shown below)
        raise SystemExit(f"enrich summarize failed ({done.returncode}): {done.stderr[-2000:]}")
    figures = json.loads(done.stdout)
    for line in done.stderr.splitlines():  # the command's own lines: progress, warnings, totals
        print(f"| {line}")

    run = load_run(args.out)
    everyone: set[str] = set()
    members: dict[str, set[str]] = {}
    for record in run.records():
        everyone.add(record.id)
        for label in record_profiles(record):
            members.setdefault(label, set()).add(record.id)
    written = OverviewsFile.model_validate_json((args.out / "overviews.json").read_text())
    summary = (args.out / "summary.md").read_text(encoding="utf-8")

    print(f"model {figures['model']} (backend {figures['backend']}), {wall:.0f} s in all, "
          f"exit {done.returncode}")  # fmt: skip
    header = ("overview", "papers", "shown", "sentences", "citations", "invalid", "seconds")
    print("{:<34} {:>6} {:>6} {:>9} {:>9} {:>7} {:>8}".format(*header))
    invalid_total = 0
    for scope in figures["scopes"]:
        kept = (
            written.corpus() if scope["scope"] == "corpus" else written.for_profile(scope["label"])
        )
        allowed = everyone if scope["scope"] == "corpus" else members.get(scope["label"], set())
        if kept is None:
            print(f"{scope['label'][:34]:<34} dropped: {scope['warning']}")
            continue
        invalid = len(check_citations(kept, allowed))
        invalid += sum(f"`{cite}`" not in summary for cite in kept.cited_ids())
        invalid_total += invalid
        citations = sum(len(s.cites) for s in kept.sentences)
        seconds = "cache" if scope["cached"] else f"{scope['seconds']:.1f}"
        print(f"{scope['label'][:34]:<34} {scope['papers']:>6} {scope['shown']:>6} "
              f"{len(kept.sentences):>9} {citations:>9} {invalid:>7} {seconds:>8}")  # fmt: skip
    print(f"{len(written.overviews)} overviews written, {figures['dropped']} dropped, "
          f"{invalid_total} invalid citations; {figures['requests']} requests")  # fmt: skip


if __name__ == "__main__":
    main()
