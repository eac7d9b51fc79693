"""Several endpoints of one model: least-loaded routing within each endpoint's concurrency, an
endpoint whose connection fails taken out and its requests resent elsewhere, a probe after the
cooldown; end to end, three replica processes with one killed mid-run lose and repeat nothing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.backends.base import ExtractRequest, ExtractResult
from enrich.backends.chat import ChatBackend
from enrich.backends.router import Router
from enrich.cli import app
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from enrich.providers.base import ConnectionLostError, EndpointSpec, Reply
from tests.fake_openai_server import FakeOpenAIServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from stub_server import StubServer


class FakeTransport:
    """Answers after `delay`; `dead` endpoints fail every request as a lost connection."""

    def __init__(self, name: str, delay: float = 0.01) -> None:
        self.name, self.delay = name, delay
        self.dead = False
        self.served: list[int] = []
        self.in_flight = self.most_in_flight = 0

    async def chat(self, body: Mapping[str, Any]) -> Reply:
        if self.dead:
            raise ConnectionLostError("Connection refused")
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if self.dead:  # died while the request was in flight
                raise ConnectionLostError("connection reset")
            self.served.append(int(body["n"]))
            return Reply(self.name)
        finally:
            self.in_flight -= 1

    async def close(self) -> None:
        return None


def _router(*transports: FakeTransport, capacity: int = 2, cooldown: float = 5.0) -> Router:
    return Router(
        [(EndpointSpec(f"http://{t.name}/v1", capacity), t) for t in transports],
        cooldown=cooldown,
    )


def test_requests_spread_over_endpoints_within_each_ones_concurrency() -> None:
    a, b, c = FakeTransport("a"), FakeTransport("b"), FakeTransport("c")
    router = _router(a, b, c, capacity=2)

    async def run() -> list[Reply]:
        return await asyncio.gather(*(router.chat({"n": i}) for i in range(60)))

    replies = asyncio.run(run())
    assert len(replies) == 60
    assert sorted(a.served + b.served + c.served) == list(range(60))
    assert all(t.most_in_flight == 2 for t in (a, b, c))  # each full, none over
    assert all(len(t.served) == 20 for t in (a, b, c))  # equal speed, equal share


def test_a_slower_endpoint_gets_less_work() -> None:
    fast, slow = FakeTransport("fast", 0.005), FakeTransport("slow", 0.05)
    router = _router(fast, slow, capacity=2)

    async def run() -> None:
        await asyncio.gather(*(router.chat({"n": i}) for i in range(60)))

    asyncio.run(run())
    assert len(fast.served) > 3 * len(slow.served)


def test_an_endpoint_dying_mid_run_loses_and_repeats_nothing() -> None:
    a, b, c = FakeTransport("a"), FakeTransport("b"), FakeTransport("c")
    router = _router(a, b, c, capacity=3)

    async def run() -> list[Reply]:
        async def kill_b() -> None:
            await asyncio.sleep(0.025)
            b.dead = True

        killer = asyncio.create_task(kill_b())
        replies = await asyncio.gather(*(router.chat({"n": i}) for i in range(90)))
        await killer
        return replies

    replies = asyncio.run(run())
    served = a.served + b.served + c.served
    assert sorted(served) == list(range(90))  # every request answered exactly once
    assert [r.content for r in replies].count("b") == len(b.served)
    load = {e.spec.url: e for e in router.endpoints}["http://b/v1"]
    assert load.lost >= 1 and load.down_until > 0  # its in-flight requests went elsewhere


def test_a_dead_endpoint_is_probed_after_its_cooldown_and_comes_back() -> None:
    a, b = FakeTransport("a"), FakeTransport("b")
    b.dead = True
    router = _router(a, b, capacity=1, cooldown=0.05)

    async def run() -> None:
        await asyncio.gather(*(router.chat({"n": i}) for i in range(4)))
        b.dead = False
        await asyncio.sleep(0.06)
        await asyncio.gather(*(router.chat({"n": i}) for i in range(4, 10)))

    asyncio.run(run())
    assert b.served and min(b.served) >= 4  # back after the cooldown, none before
    assert sorted(a.served + b.served) == list(range(10))


def test_every_endpoint_out_is_a_lost_connection_naming_them() -> None:
    a, b = FakeTransport("a"), FakeTransport("b")
    a.dead = b.dead = True
    router = _router(a, b)
    with pytest.raises(ConnectionLostError, match=r"http://a/v1: Connection refused.*http://b/v1"):
        asyncio.run(router.chat({"n": 0}))


def test_three_replicas_one_killed_halfway_through_a_real_run() -> None:
    """Real HTTP: three replica processes at 50 ms, one killed (SIGKILL) when half the answers
    are in; every abstract ends with one answer and the run's counts say where they went."""
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    requests = [ExtractRequest(key=f"k{i}", title=f"T{i}", abstract=f"A{i}.") for i in range(240)]
    with StubServer(0.05) as one, StubServer(0.05) as two, StubServer(0.05) as three:
        backend = ChatBackend(
            prompt, model="stub", base_url=None, api_key=None, provider="server",
            endpoints=[EndpointSpec(s.base_url, 4) for s in (one, two, three)],
            max_retries=2, retry_wait_max=0.05, timeout=5.0,
        )  # fmt: skip
        done: list[str] = []

        def on_result(result: ExtractResult) -> None:
            done.append(result.key)
            if len(done) == 120:
                two.kill()

        results = backend.extract(requests, on_result=on_result)
        answered = one.answered + two.answered + three.answered
    assert [r.key for r in results] == [r.key for r in requests]
    assert all(r.extraction is not None and r.error is None for r in results)
    assert sorted(done) == sorted(r.key for r in requests)  # each reported once
    assert answered >= 240  # the killed replica may have finished answers it never delivered
    assert backend.router is not None
    killed = {e.spec.url: e for e in backend.router.endpoints}[two.base_url]
    assert killed.down_until > 0
    assert sum(e.answered for e in backend.router.endpoints) == 240
    assert sum(r.retries for r in results) == 0  # resent elsewhere, not retried with backoff


def test_the_cli_takes_several_base_urls_and_records_where_requests_went(
    sample_corpus: Path, tmp_path: Path
) -> None:
    first, second = FakeOpenAIServer(), FakeOpenAIServer()
    listed = tmp_path / "replicas.txt"
    listed.write_text(f"{second.base_url} 2\n", encoding="utf-8")
    try:
        argv = [
            str(sample_corpus), "--base-url", first.base_url, "--base-url", str(listed),
            "--model", "fake", "--concurrency", "4", "--items", "model", "--rpm", "100000",
            "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"),
        ]  # fmt: skip
        result = CliRunner().invoke(app, argv, env={"OPENAI_API_KEY": ""})
    finally:
        first.close()
        second.close()
    assert result.exit_code == 0, result.output
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert run["endpoint"] == first.base_url  # the first names the model (and the cache keys)
    traffic = {e["url"]: e for e in run["endpoints"]}
    assert set(traffic) == {first.base_url, second.base_url}
    assert traffic[first.base_url]["answered"] == first.count > 0
    assert traffic[second.base_url]["answered"] == second.count > 0
    assert first.count + second.count == run["requests"] == run["extracted"]
    assert first.max_in_flight <= 4 and second.max_in_flight <= 2
    said = result.stderr.replace("\n", " ")
    assert f"{first.base_url} answered {first.count}" in said
    assert f"{second.base_url} answered {second.count}" in said
