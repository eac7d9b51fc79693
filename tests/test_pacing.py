"""Client-side rate limits: no 60-second window ever holds more than a budget's requests or
tokens, budgets are learned from x-ratelimit headers unless given, and a spent budget holds
every request until its reset."""

from __future__ import annotations

import asyncio
import bisect
import random
import time

import pytest

from enrich.backends.base import ExtractRequest
from enrich.backends.chat import ChatBackend
from enrich.backends.pacing import Pacer, parse_reset
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from tests.fake_openai_server import FakeOpenAIServer, Reply, completion


class VirtualClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _most_in_a_window(times: list[float], weights: list[int], window: float = 60.0) -> int:
    """The largest total weight of admissions inside any `window`-second span."""
    most = 0
    prefix = [0]
    for weight in weights:
        prefix.append(prefix[-1] + weight)
    for i, start in enumerate(times):
        end = bisect.bisect_right(times, start + window - 1e-9)
        most = max(most, prefix[end] - prefix[i])
    return most


def _admit_all(pacer: Pacer, clock: VirtualClock, tokens: list[int]) -> list[float]:
    times: list[float] = []

    async def run() -> None:
        for count in tokens:
            await pacer.admit(count)
            times.append(clock.now)

    asyncio.run(run())
    return times


@pytest.mark.parametrize("rpm", [60, 600, 3500])
def test_no_minute_holds_more_requests_than_the_budget(rpm: int) -> None:
    clock = VirtualClock()
    pacer = Pacer(rpm=rpm, clock=clock, sleep=clock.sleep)
    times = _admit_all(pacer, clock, [500] * (3 * rpm))
    most = _most_in_a_window(times, [1] * len(times))
    assert most <= rpm
    assert most >= 0.95 * rpm  # and the budget is used, not wasted
    assert times[-1] - times[0] == pytest.approx(3 * rpm * 60 / (rpm * 0.98), rel=0.02)


def test_no_minute_holds_more_tokens_than_the_budget() -> None:
    clock = VirtualClock()
    rng = random.Random(7)
    tokens = [rng.randint(200, 3000) for _ in range(2000)]
    pacer = Pacer(tpm=200_000, clock=clock, sleep=clock.sleep)
    times = _admit_all(pacer, clock, tokens)
    assert _most_in_a_window(times, tokens) <= 200_000


def test_concurrent_requests_are_spaced_in_real_time() -> None:
    pacer = Pacer(rpm=600)  # 0.1 s apart (at 98%) after one second's burst

    async def run() -> float:
        started = time.monotonic()
        await asyncio.gather(*(pacer.admit(10) for _ in range(16)))
        return time.monotonic() - started

    took = asyncio.run(run())
    assert 0.45 < took < 1.0  # 16 requests: a burst of ~10, then ~6 spaced by 0.102 s


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("2.5", 2.5),
     ("soon", None), ("", None)],
)  # fmt: skip
def test_reset_durations(value: str, seconds: float | None) -> None:
    assert parse_reset(value) == (pytest.approx(seconds) if seconds is not None else None)


def test_budgets_are_learned_from_headers_unless_given() -> None:
    learned = Pacer()
    assert not learned.active
    learned.learn({"x-ratelimit-limit-requests": "500", "x-ratelimit-limit-tokens": "90000"})
    assert (learned.budget("requests"), learned.budget("tokens")) == (500, 90000)
    given = Pacer(rpm=100)
    given.learn({"x-ratelimit-limit-requests": "500"})
    assert given.budget("requests") == 100


def test_a_spent_budget_holds_requests_until_its_reset() -> None:
    clock = VirtualClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    pacer.learn({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s"})
    start = clock.now
    times = _admit_all(pacer, clock, [10, 10])
    assert times[0] == pytest.approx(start + 1.5)
    assert pacer.waited == pytest.approx(1.5)


def test_the_backend_learns_its_budget_from_the_answers(fake_openai: FakeOpenAIServer) -> None:
    headers = {
        "x-ratelimit-limit-requests": "30000",
        "x-ratelimit-remaining-requests": "29999",
        "x-ratelimit-reset-requests": "2ms",
        "x-ratelimit-limit-tokens": "150000000",
    }
    fake_openai.responder = lambda body: Reply(body=completion().body, headers=headers)
    backend = ChatBackend(
        load_prompt_set(DEFAULT_PROMPTS_DIR / "extract"),
        model="m", base_url=fake_openai.base_url, api_key=None, provider="server",
    )  # fmt: skip
    requests = [ExtractRequest(key=f"k{i}", title="T", abstract="A.") for i in range(3)]
    results = backend.extract(requests)
    assert all(r.extraction is not None for r in results)
    assert backend.pacer.budget("requests") == 30000
    assert backend.pacer.budget("tokens") == 150_000_000
