"""How far `enrich plan` can be trusted: its figures on the sample corpus and on the arXiv
pool, and its planned tokens against the actual tokens of the run that follows.

    python bench/plan_accuracy.py [--corpus corpus] [--pool ../shared/data/arxiv2025]

1. `enrich plan` on each corpus as OpenAI's gpt-4o-mini (list price; no key needed, nothing
   is sent) and as the packaged qwen-1.5b (counted exactly with its GGUF), over ./cache,
   which a plan only reads;
2. planned vs actual: a fake OpenAI-compatible server reports prompt tokens counted over the
   messages it receives and completion tokens over the answer it writes (with the Qwen GGUF's
   vocabulary when installed, else words and punctuation), as a real server would. A first
   slice builds the cache's history; then the plan of a larger corpus is compared with what
   the run of it reports in run.json. About two minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from enrich.local.models import installed_models  # noqa: E402
from tests.fake_openai_server import FakeOpenAIServer  # noqa: E402
from tests.realistic_usage import Count, UsageResponder, gguf_counter, word_tokens  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ENRICH_"))}


def enrich(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "enrich", *argv], capture_output=True, text=True, env=ENV,
        cwd=ROOT, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"enrich {' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def show_plans(label: str, corpus: Path) -> None:
    print(f"\n## plan of {label} ({corpus})\n", flush=True)
    cache = ["--cache-dir", str(ROOT / "cache")]
    started = time.perf_counter()
    print(enrich("plan", str(corpus), "--backend", "openai", "--model", "gpt-4o-mini", *cache))
    print(f"(planned in {time.perf_counter() - started:.1f} s)\n")
    if any(model.name == "qwen-1.5b" for model in installed_models()):
        started = time.perf_counter()
        print(enrich("plan", str(corpus), "--backend", "local", "--model", "qwen-1.5b", *cache))
        print(f"(planned in {time.perf_counter() - started:.1f} s)")


def counter() -> tuple[Count, str]:
    """The Qwen vocabulary if the packaged 0.5B model is here, else the word counter."""
    model = ROOT / "cache" / "models" / "qwen-0.5b-1d9614638d18.gguf"
    try:
        return gguf_counter(model), f"the {model.name} vocabulary"
    except (ImportError, ValueError, RuntimeError, OSError):
        return word_tokens, "words and punctuation"


def planned_vs_actual(label: str, first: Path, then: list[Path], count: Count) -> None:
    server = FakeOpenAIServer()
    server.responder = UsageResponder(count)
    temporary = tempfile.TemporaryDirectory(prefix="plan-accuracy-")
    folder = Path(temporary.name)
    engine = ["--base-url", server.base_url, "--model", "fake-model",
              "--cache-dir", str(folder / "cache")]  # fmt: skip
    try:
        enrich(str(first), *engine, "--out", str(folder / "first"), "--quiet")
        history = server.count
        plan: dict[str, Any] = json.loads(
            enrich("plan", *map(str, then), *engine, "--json", "--quiet")
        )
        sent_before = server.count
        enrich(*map(str, then), *engine, "--out", str(folder / "then"), "--quiet")
        run = json.loads((folder / "then" / "run.json").read_text())
    finally:
        server.close()
        temporary.cleanup()
    print(f"\n### {label}: history from {history} answers of {first.name}\n")
    print("| figure | planned | actual | error | how planned |")
    print("|---|---:|---:|---:|---|")
    rows = [
        ("requests", plan["requests"], server.count - sent_before, "distinct uncached papers"),
        ("prompt tokens", plan["tokens"]["prompt"], run["prompt_tokens"],
         plan["tokens"]["prompt_source"]),
        ("completion tokens", plan["tokens"]["completion"], run["completion_tokens"],
         plan["tokens"]["completion_source"]),
    ]  # fmt: skip
    for name, planned, actual, how in rows:
        error = (planned - actual) / actual if actual else 0.0
        print(f"| {name} | {planned:,} | {actual:,} | {error:+.1%} | {how} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--pool", type=Path, default=ROOT.parent / "shared" / "data" / "arxiv2025")
    args = parser.parse_args()
    show_plans("the sample corpus", args.corpus)
    show_plans("the arXiv pool", args.pool)
    count, counted_by = counter()
    print(f"\n## planned vs actual (the fake server counts with {counted_by})")
    files = sorted(args.corpus.glob("*.txt"))
    planned_vs_actual("sample corpus", files[1], files, count)
    days = [args.pool / f"{day}.jsonl" for day in ("2025-04-11", "2025-05-01", "2025-06-02")]
    if all(day.is_file() for day in days):
        planned_vs_actual("arXiv pool, two later days", days[0], days[1:], count)


if __name__ == "__main__":
    main()
