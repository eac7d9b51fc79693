"""Ctrl-C ends a batch with KeyboardInterrupt even when the client swallows the cancellation."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from enrich.backends.interrupt import run_interruptibly


async def _swallowing_request() -> str:
    """Like an HTTP client that turns the cancellation into an error result of its own."""
    asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGINT)
    try:
        await asyncio.sleep(5)
    except asyncio.CancelledError:
        return "failed: connection closed"
    return "answered"


async def _plain_request() -> str:
    asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGINT)
    await asyncio.sleep(5)
    return "answered"


@pytest.mark.parametrize("request_", [_swallowing_request, _plain_request])
def test_sigint_always_raises_keyboard_interrupt(request_: object) -> None:
    assert callable(request_)
    with pytest.raises(KeyboardInterrupt):
        run_interruptibly(request_())


def test_without_a_signal_the_result_comes_back() -> None:
    async def quick() -> int:
        await asyncio.sleep(0)
        return 7

    assert run_interruptibly(quick()) == 7
