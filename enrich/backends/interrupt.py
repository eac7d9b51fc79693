"""Run a batch's event loop so that Ctrl-C always ends the batch with KeyboardInterrupt.

`asyncio.run` turns Ctrl-C into a cancellation of the main task and raises KeyboardInterrupt
only if that task ends cancelled. An HTTP client that turns the cancellation into an error of
its own lets the batch finish as if nothing happened, and the run exits 0 with the paper
failed. Here the signal is remembered, so the caller sees the interrupt whatever the client
did with it.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_interruptibly(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)`, raising KeyboardInterrupt after a SIGINT received meanwhile."""
    interrupted = False

    async def main() -> T:
        nonlocal interrupted
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()

        def on_interrupt() -> None:
            nonlocal interrupted
            interrupted = True
            if task is not None:
                task.cancel()

        watching = threading.current_thread() is threading.main_thread()
        if watching:
            loop.add_signal_handler(signal.SIGINT, on_interrupt)
        try:
            return await coroutine
        finally:
            if watching:
                loop.remove_signal_handler(signal.SIGINT)

    try:
        result = asyncio.run(main())
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    if interrupted:
        raise KeyboardInterrupt
    return result
