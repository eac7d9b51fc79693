"""Client-side rate limits: a large run paces itself under its requests- and tokens-per-minute
budgets instead of bouncing off 429s.

Each budget is a generic cell-rate limiter: requests are spaced at the budget's rate with one
second's worth of burst, a little under the budget (`MARGIN`), so no 60-second window of the
server's holds more than the budget even when requests arrive a few milliseconds apart from when
they left. Budgets come from flags, else from the provider's `x-ratelimit-limit-*` headers; a
`remaining` of 0 holds every request until the header's reset time.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

MARGIN = 0.98  # of a budget actually used
BURST_SECONDS = 1.0  # how far ahead of its even spacing a request may go

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_reset(value: str) -> float | None:
    """OpenAI's reset durations ("1s", "6m0s", "20ms", "1h2m3.5s") in seconds, else None."""
    text = value.strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        try:
            return max(0.0, float(text))
        except ValueError:
            return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


@dataclass
class _Cells:
    """One budget: `per_minute` cells (requests or tokens), spaced evenly."""

    per_minute: float
    ready_at: float = 0.0  # when the next cell is due at the budget's even spacing

    def reserve(self, cells: float, now: float) -> float:
        """Book `cells` and return when they may go (now, or later)."""
        spacing = 60.0 / (self.per_minute * MARGIN)
        due = max(self.ready_at, now)
        start = max(now, due - BURST_SECONDS)
        self.ready_at = due + cells * spacing
        return start


class Pacer:
    """Admits requests under the run's budgets; `learn` reads the budgets a server announces.

    A budget given by flag is kept; a learned one follows the server's latest headers.
    """

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._fixed = {"requests": rpm is not None, "tokens": tpm is not None}
        self._cells = {
            "requests": _Cells(float(rpm)) if rpm else None,
            "tokens": _Cells(float(tpm)) if tpm else None,
        }
        self._held_until = 0.0
        self._clock, self._sleep = clock, sleep
        self.waited = 0.0  # seconds requests spent waiting for the budgets, for the run summary

    @property
    def active(self) -> bool:
        return any(self._cells.values()) or self._held_until > self._clock()

    def budget(self, kind: str) -> float | None:
        cells = self._cells[kind]
        return cells.per_minute if cells else None

    async def admit(self, tokens: int) -> None:
        """Wait until a request of about `tokens` tokens fits every budget, then book it."""
        now = self._clock()
        start = max(now, self._held_until)
        requests, token_cells = self._cells["requests"], self._cells["tokens"]
        if requests is not None:
            start = max(start, requests.reserve(1, now))
        if token_cells is not None:
            start = max(start, token_cells.reserve(max(1, tokens), now))
        if start > now:
            self.waited += start - now
            await self._sleep(start - now)

    def learn(self, headers: Mapping[str, str]) -> None:
        """Budgets and holds from `x-ratelimit-*` headers (lower-case names)."""
        now = self._clock()
        for kind in ("requests", "tokens"):
            limit = _number(headers.get(f"x-ratelimit-limit-{kind}"))
            if limit and not self._fixed[kind]:
                cells = self._cells[kind]
                if cells is None:
                    self._cells[kind] = _Cells(limit)
                else:
                    cells.per_minute = limit
            remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
            reset = parse_reset(headers.get(f"x-ratelimit-reset-{kind}", ""))
            if remaining is not None and remaining <= 0 and reset is not None:
                self._held_until = max(self._held_until, now + reset)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
