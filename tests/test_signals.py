"""SIGTERM during extraction behaves like Ctrl-C, so cleanup runs; outside, nothing changes."""

from __future__ import annotations

import os
import signal

import pytest

from enrich.cli.signals import terminate_as_interrupt


def test_sigterm_inside_the_block_raises_keyboard_interrupt_and_the_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(KeyboardInterrupt), terminate_as_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 1.0)  # let the handler run
        finally:
            cleaned.append(True)
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before
