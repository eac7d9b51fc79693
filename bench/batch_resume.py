"""`--batch` killed while polling, then rerun: what was uploaded, created and submitted again.

Starts the fake Batch API of tests/fake_batch_server.py on 127.0.0.1, runs the installed
`enrich CORPUS --batch` as a user would (a new process), SIGKILLs it once its batch is recorded
and being polled, lets the batch complete, reruns the same command and prints: uploads and
batches created by each run, the requests submitted again (0 when the resume works), the
requests answered, and the records ok or failed with each distinct reason. `--line-errors N`
makes N papers' lines come back as errors, to show failures carrying their reason.

    python bench/batch_resume.py [--corpus corpus/] [--line-errors 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the fake lives in tests/
from enrich.ingest import read_corpus
from tests.fake_batch_server import Answer, FakeBatchServer, LineError, completion_body

ROOT = Path(__file__).resolve().parent.parent

ENRICH = [sys.executable, "-m", "enrich"]


def _responder(failing: set[str]) -> Any:
    def answer(body: dict[str, Any]) -> Answer:
        prompt = json.dumps(body["messages"])
        if any(title in prompt for title in failing):
            return LineError("server_error", "the model is overloaded")
        return completion_body()

    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--line-errors", type=int, default=0, help="papers answered by an error")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ENRICH_"))}
    env["ENRICH_BATCH_POLL"] = "0.05"
    with tempfile.TemporaryDirectory() as tmp, FakeBatchServer() as fake:
        titles = [paper.title for paper in read_corpus([args.corpus]).papers]
        fake.responder = _responder(set(titles[: args.line_errors]))
        argv = [
            *ENRICH, str(args.corpus), "--base-url", fake.base_url, "--batch", "--model", "m",
            "--cache-dir", f"{tmp}/cache", "--out", f"{tmp}/out", "--quiet",
        ]  # fmt: skip
        fake.hold = True  # in_progress until the kill
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stderr=subprocess.PIPE)
        records = Path(tmp, "cache", "batches")
        while not (list(records.glob("*.json")) and fake.retrieves >= 2):
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise SystemExit("the first run did not reach polling")
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_after = time.perf_counter() - started
        first = (fake.uploads, fake.batches_created, fake.requests_submitted())
        print(f"first run: SIGKILL while polling after {killed_after:.2f}s; "
              f"{first[0]} upload, {first[1]} batch created ({first[2]} requests), "
              f"{len(list(records.glob('*.json')))} batch record kept")  # fmt: skip

        fake.hold = False
        started = time.perf_counter()
        rerun = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - started
        print(f"rerun: exit {rerun.returncode} in {took:.2f}s; "
              f"{fake.uploads - first[0]} new uploads, "
              f"{fake.batches_created - first[1]} new batches, "
              f"{fake.requests_submitted() - first[2]} requests submitted again; "
              f"{fake.lines_answered} requests answered in all")  # fmt: skip
        lines = Path(tmp, "out", "papers.jsonl").read_text().splitlines()
        papers = [json.loads(line) for line in lines]
        statuses = Counter(paper["status"] for paper in papers)
        print(f"records: {len(papers)}: {statuses['ok']} ok, {statuses['failed']} failed")
        for reason, count in Counter(p["error"] for p in papers if p["status"] == "failed").items():
            print(f"  failed x{count}: {reason}")
        print(f"batch records left: {len(list(records.glob('*.json')))}")


if __name__ == "__main__":
    main()
