"""`--batch`: the Batch API end to end (real CLI, real openai SDK, a fake Batch API on
127.0.0.1): one upload per corpus, answers cached as realtime ones, invalid answers re-asked in
realtime, line errors failed with their reason, limits splitting batches, and a run killed while
polling resumed by the next one without submitting anything again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.api import Extractor
from enrich.backends.base import ExtractRequest
from enrich.backends.batch import BatchBackend
from enrich.backends.batch_client import BatchView, SDKBatchClient, TransientError
from enrich.backends.factory import BackendOptions, make_backend
from enrich.cli import app
from enrich.config import resolve_settings
from enrich.ingest import read_corpus
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from tests.conftest import ROOT
from tests.fake_batch_server import (
    Answer,
    FakeBatchServer,
    HTTPError,
    LineError,
    completion_body,
)
from tests.fake_openai_server import FakeOpenAIServer

runner = CliRunner()
CLEAN_ENV = {"OPENAI_API_KEY": "", "ENRICH_MODEL": "", "ENRICH_PROVIDER": "",
             "OPENAI_BASE_URL": "", "ENRICH_BATCH_POLL": "0.05"}  # fmt: skip
PAPERS = 134  # in the sample corpus, all with distinct abstracts


@pytest.fixture
def fake_batch() -> Iterator[FakeBatchServer]:
    with FakeBatchServer() as server:
        yield server


def _argv(corpus: Path, server: FakeBatchServer, tmp: Path, out: str = "out") -> list[str]:
    return [str(corpus), "--base-url", server.base_url, "--batch", "--model", "m",
            "--cache-dir", str(tmp / "cache"), "--out", str(tmp / out)]  # fmt: skip


def _records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "papers.jsonl").read_text().splitlines()]


def _small_corpus(tmp: Path, titles: list[str]) -> Path:
    path = tmp / "papers.jsonl"
    lines = [
        json.dumps({"title": title, "abstract": f"We study {title} with a new transformer model "
                    "and report accuracy gains on ImageNet over strong baselines."})
        for title in titles
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_batch_for_the_corpus_cached_like_realtime_answers(
    sample_corpus: Path, fake_batch: FakeBatchServer, tmp_path: Path
) -> None:
    first = runner.invoke(app, [*_argv(sample_corpus, fake_batch, tmp_path), "--quiet"],
                          env=CLEAN_ENV)  # fmt: skip
    assert first.exit_code == 0, first.output
    assert (fake_batch.uploads, fake_batch.batches_created) == (1, 1)
    assert fake_batch.lines_answered == fake_batch.requests_submitted() == PAPERS
    (batch,) = fake_batch.batches.values()
    line = batch.lines[0]
    assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
    assert line["body"]["response_format"]["type"] == "json_schema"
    records = _records(tmp_path / "out")
    assert len(records) == PAPERS and all(r["status"] == "ok" for r in records)
    assert {(r["backend"], r["model"]) for r in records} == {("openai", "m")}
    run = json.loads((tmp_path / "out/run.json").read_text())
    assert (run["requests"], run["prompt_tokens"], run["failures"]) == (PAPERS, PAPERS * 100, 0)
    assert list((tmp_path / "cache/batches").iterdir()) == []  # consumed: no record left

    again = runner.invoke(app, [*_argv(sample_corpus, fake_batch, tmp_path, "again"), "--json"],
                          env=CLEAN_ENV)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["cache_hits"] == PAPERS
    assert (fake_batch.uploads, fake_batch.batches_created) == (1, 1)

    # the realtime backend reads the same cache entries: not one request
    realtime = [arg for arg in _argv(sample_corpus, fake_batch, tmp_path, "rt") if arg != "--batch"]
    assert runner.invoke(app, realtime, env=CLEAN_ENV).exit_code == 0
    assert fake_batch.realtime_requests == 0


def _scripted(body: dict[str, Any]) -> Answer:
    prompt = json.dumps(body["messages"])
    if "Garbled" in prompt:
        return completion_body("not json at all")
    if "Overloaded" in prompt:
        return LineError("server_error", "overloaded, Authorization: Bearer sk-abcdefgh12345678")
    if "Refused" in prompt:
        return HTTPError(400, "max_tokens is too large")
    return completion_body()


def test_invalid_answers_are_reasked_in_realtime_and_line_errors_fail_with_reason(
    fake_batch: FakeBatchServer, tmp_path: Path
) -> None:
    corpus = _small_corpus(tmp_path, ["Garbled", "Overloaded", "Refused", "Plain", "Fine"])
    fake_batch.responder = _scripted
    fake_batch.realtime = lambda body: completion_body()
    result = runner.invoke(app, _argv(corpus, fake_batch, tmp_path), env=CLEAN_ENV)
    assert result.exit_code == 1  # failures
    assert fake_batch.batches_created == 1 and fake_batch.realtime_requests == 1
    by_title = {r["title"]: r for r in _records(tmp_path / "out")}
    assert [by_title[t]["status"] for t in ("Garbled", "Plain", "Fine")] == ["ok"] * 3
    assert by_title["Overloaded"]["status"] == "failed"
    assert by_title["Overloaded"]["error"] == (
        "batch line error: server_error: overloaded, Authorization: Bearer [redacted]"
    )
    assert by_title["Refused"]["error"] == (
        "batch line error: HTTP 400: invalid_request_error: max_tokens is too large"
    )
    run = json.loads((tmp_path / "out/run.json").read_text())
    assert (run["requests"], run["reasks"], run["failures"]) == (5 + 1, 1, 2)

    # a rerun submits only what failed
    fake_batch.responder = lambda body: completion_body()
    rerun = runner.invoke(app, _argv(corpus, fake_batch, tmp_path, "again"), env=CLEAN_ENV)
    assert rerun.exit_code == 0, rerun.output
    assert [len(b.lines) for b in fake_batch.batches.values()] == [5, 2]


def _open(server: FakeBatchServer, tmp: Path, **options: Any) -> Extractor:
    return Extractor.open(
        backend="openai", model="m", base_url=server.base_url, cache_dir=tmp / "cache",
        options=BackendOptions(batch=True, batch_poll=0.05, **options),
    )  # fmt: skip


def test_one_batch_per_limit_sized_chunk(
    sample_corpus: Path, fake_batch: FakeBatchServer, tmp_path: Path
) -> None:
    papers = read_corpus([sample_corpus]).papers
    with _open(fake_batch, tmp_path, batch_max_requests=50) as extractor:
        outcomes = list(extractor.extract(papers))
    assert all(o.status == "ok" for o in outcomes) and len(outcomes) == PAPERS
    assert [len(b.lines) for b in fake_batch.batches.values()] == [50, 50, 34]
    assert fake_batch.uploads == 3 and extractor.stats.requests == PAPERS


def _backend(server: FakeBatchServer, tmp: Path, **options: Any) -> BatchBackend:
    settings = resolve_settings(backend="openai", model="m", base_url=server.base_url,
                                cache_dir=tmp / "cache", env={})  # fmt: skip
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    backend = make_backend(settings, prompt, BackendOptions(batch=True, batch_poll=0.05, **options))
    assert isinstance(backend, BatchBackend)
    return backend


REQUESTS = [ExtractRequest(f"key{i}", f"Paper {i}", f"We propose method {i}.") for i in range(7)]


def test_the_byte_limit_splits_one_call_into_several_files(
    fake_batch: FakeBatchServer, tmp_path: Path
) -> None:
    backend = _backend(fake_batch, tmp_path, batch_max_bytes=25_000)  # two lines a file
    results = backend.extract(REQUESTS)
    assert [r.key for r in results] == [r.key for r in REQUESTS]
    assert all(r.extraction is not None for r in results)
    sizes = [len(content) for content, purpose in fake_batch.files.values() if purpose == "batch"]
    assert len(sizes) == 4 and max(sizes) <= 25_000


class _StopsAtFirstPoll(SDKBatchClient):
    """The SDK client, stopped (as by Ctrl-C) at its first poll, having read the records."""

    folder: Path
    seen: list[dict[str, Any]]

    def retrieve(self, batch_id: str) -> BatchView | None:
        self.seen = [json.loads(p.read_text()) for p in self.folder.glob("*.json")]
        raise KeyboardInterrupt


def test_the_record_is_written_before_polling_and_a_rerun_resumes_it(
    fake_batch: FakeBatchServer, tmp_path: Path
) -> None:
    folder = tmp_path / "cache/batches"
    client = _StopsAtFirstPoll(
        fake_batch.base_url, None, timeout=10, max_retries=0, key_variable="OPENAI_API_KEY"
    )
    client.folder = folder
    backend = BatchBackend(_backend(fake_batch, tmp_path).realtime, state_dir=folder,
                           api_key=None, client=client)  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        backend.extract(REQUESTS)
    (record,) = client.seen
    assert record["batch_id"] == "batch_1" and record["input_file_id"] == "file-1"
    assert (record["endpoint"], record["model"]) == (fake_batch.base_url, "m")
    assert record["keys"] == [r.key for r in REQUESTS] and record["created"]
    assert len(list(folder.glob("*.json"))) == 1  # kept for the next run

    again = _backend(fake_batch, tmp_path)
    results = again.extract(REQUESTS[::-1])
    assert all(r.extraction is not None for r in results)
    assert (fake_batch.uploads, fake_batch.batches_created, again.resumed) == (1, 1, 1)
    assert list(folder.glob("*.json")) == []


def test_an_ended_batch_releases_its_unanswered_keys_once(
    fake_batch: FakeBatchServer, tmp_path: Path
) -> None:
    fake_batch.fates = ["expired"]  # half answered, the rest submitted again
    backend = _backend(fake_batch, tmp_path)
    assert all(r.extraction is not None for r in backend.extract(REQUESTS))
    assert [len(b.lines) for b in fake_batch.batches.values()] == [7, 4]
    assert backend.notes == ["batch batch_1 expired: its 4 unanswered requests are submitted again"]

    fake_batch.fates = ["failed", "failed"]  # a second release fails the keys, with the reason
    failed = _backend(fake_batch, tmp_path / "other").extract(REQUESTS[:2])
    reason = "batch batch_4 failed: invalid_request: the file is not valid"
    assert [r.error for r in failed] == [f"{reason} (its second batch in this run)"] * 2


def test_batch_needs_the_openai_backend(sample_corpus: Path, tmp_path: Path) -> None:
    argv = [str(sample_corpus), "--backend", "offline", "--batch", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, argv, env=CLEAN_ENV)
    assert result.exit_code == 2
    assert "--batch needs the openai backend, not offline" in result.output


def _wait_for(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("stop", "code"), [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130)]
)
def test_a_run_stopped_while_polling_is_resumed_without_resubmitting(
    sample_corpus: Path, fake_batch: FakeBatchServer, tmp_path: Path, stop: int, code: int
) -> None:
    fake_batch.hold = True  # the batch stays in_progress until the kill
    env = {**os.environ, **CLEAN_ENV, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "enrich", *_argv(sample_corpus, fake_batch, tmp_path), "-q"]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        folder = tmp_path / "cache/batches"
        _wait_for(lambda: list(folder.glob("*.json")) and fake_batch.retrieves >= 2, "polling")
    finally:
        process.send_signal(stop)  # SIGINT: Ctrl-C
        process.wait(timeout=30)
    assert process.returncode == code
    assert len(list(folder.glob("*.json"))) == 1  # the record outlives the run
    assert (fake_batch.uploads, fake_batch.batches_created) == (1, 1)

    fake_batch.hold = False
    rerun = runner.invoke(app, _argv(sample_corpus, fake_batch, tmp_path), env=CLEAN_ENV)
    assert rerun.exit_code == 0, rerun.output
    assert "resuming batch batch_1" in rerun.stderr
    assert (fake_batch.uploads, fake_batch.batches_created) == (1, 1)
    assert fake_batch.requests_submitted() == fake_batch.lines_answered == PAPERS
    records = _records(tmp_path / "out")
    assert len(records) == PAPERS and all(r["status"] == "ok" for r in records)
    assert list(folder.glob("*.json")) == []


class _Blinking(SDKBatchClient):
    """The SDK client whose first two polls find the server away."""

    away = 2

    def retrieve(self, batch_id: str) -> BatchView | None:
        if self.away:
            self.away -= 1
            raise TransientError("lost contact while polling")
        return super().retrieve(batch_id)


def test_polling_outlasts_a_server_away_for_a_while(
    fake_batch: FakeBatchServer, tmp_path: Path
) -> None:
    client = _Blinking(
        fake_batch.base_url, None, timeout=10, max_retries=0, key_variable="OPENAI_API_KEY"
    )
    backend = BatchBackend(_backend(fake_batch, tmp_path).realtime, state_dir=tmp_path / "b",
                           api_key=None, poll_interval=0.01, client=client)  # fmt: skip
    assert all(r.extraction is not None for r in backend.extract(REQUESTS))
    assert client.away == 0 and fake_batch.batches_created == 1


def test_a_server_without_a_batch_api_is_a_one_line_error(
    fake_openai: FakeOpenAIServer, sample_corpus: Path, tmp_path: Path
) -> None:
    argv = [str(sample_corpus), "--base-url", fake_openai.base_url, "--batch", "--model", "m",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]  # fmt: skip
    result = runner.invoke(app, argv, env=CLEAN_ENV)
    assert result.exit_code == 1
    assert "answered 404 while uploading a batch file: it may not offer the Batch API" in (
        result.stderr
    )
    assert "drop --batch" in result.stderr and fake_openai.count == 0
