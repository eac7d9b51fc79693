"""One model served by several endpoints (vLLM or llama.cpp replicas): each request goes to the
least-loaded healthy endpoint, within that endpoint's own concurrency.

An endpoint whose connection fails (refused, reset, closed mid-answer) is taken out for
`cooldown` seconds and the request goes to another one at once, so a replica that dies mid-run
loses no request: its in-flight requests are resent elsewhere, and since each request's one
answer is the one that came back, nothing is answered twice. After the cooldown one request
probes it; if every endpoint is out, the request fails as a lost connection and the shared
layer's retries (with backoff) take over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from enrich.core.manifest import EndpointTraffic
from enrich.providers.base import (
    Connection,
    ConnectionLostError,
    EndpointSpec,
    Provider,
    Reply,
    Transport,
)


def connect(
    provider: Provider, endpoints: Sequence[EndpointSpec], api_key: str | None, timeout: float
) -> Transport:
    """The endpoint's own transport, or a `Router` over the replicas' transports."""
    transports = [
        (spec, provider.connect(Connection(spec.url, api_key, timeout, spec.concurrency or 1)))
        for spec in endpoints
    ]
    return transports[0][1] if len(transports) == 1 else Router(transports)


@dataclass
class EndpointLoad:
    """One endpoint's transport and what it is doing."""

    spec: EndpointSpec
    transport: Transport
    capacity: int
    in_flight: int = 0
    down_until: float = 0.0  # out of rotation until then (a monotonic time)
    sent: int = 0
    answered: int = 0
    lost: int = 0  # requests whose connection failed here (resent elsewhere)
    last_error: str = field(default="", repr=False)


class Router:
    """A `Transport` over several endpoints' transports."""

    def __init__(
        self,
        endpoints: Sequence[tuple[EndpointSpec, Transport]],
        *,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoints = [
            EndpointLoad(spec, transport, max(1, spec.concurrency or 1))
            for spec, transport in endpoints
        ]
        self._cooldown = cooldown
        self._clock = clock
        self._changed = asyncio.Condition()

    def _pick(self, tried: set[int]) -> EndpointLoad | None:
        """The least-loaded endpoint that is up and has room (or is due a probe)."""
        now = self._clock()
        usable = [
            (index, endpoint)
            for index, endpoint in enumerate(self.endpoints)
            if index not in tried
            and endpoint.in_flight < endpoint.capacity
            and endpoint.down_until <= now
        ]
        if not usable:
            return None
        _, best = min(usable, key=lambda pair: (pair[1].in_flight / pair[1].capacity, pair[0]))
        return best

    def _all_out(self, tried: set[int]) -> bool:
        now = self._clock()
        return all(
            index in tried or endpoint.down_until > now
            for index, endpoint in enumerate(self.endpoints)
        )

    async def _take(self, tried: set[int]) -> EndpointLoad:
        async with self._changed:
            while True:
                endpoint = self._pick(tried)
                if endpoint is not None:
                    endpoint.in_flight += 1
                    endpoint.sent += 1
                    return endpoint
                if self._all_out(tried):
                    reasons = "; ".join(
                        f"{e.spec.url}: {e.last_error or 'busy'}" for e in self.endpoints
                    )
                    raise ConnectionLostError(f"no endpoint reachable ({reasons})")
                await self._wait_for_change()

    async def _wait_for_change(self) -> None:
        """Until a request ends or the next endpoint is due back (a probe needs no event)."""
        now = self._clock()
        due = [e.down_until - now for e in self.endpoints if e.down_until > now]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout=min(due) if due else None)

    async def _release(self, endpoint: EndpointLoad) -> None:
        async with self._changed:
            endpoint.in_flight -= 1
            self._changed.notify_all()

    async def chat(self, body: Mapping[str, Any]) -> Reply:
        tried: set[int] = set()
        while True:
            endpoint = await self._take(tried)
            try:
                reply = await endpoint.transport.chat(body)
            except ConnectionLostError as exc:
                endpoint.lost += 1
                endpoint.last_error = str(exc)
                endpoint.down_until = self._clock() + self._cooldown
                tried.add(self.endpoints.index(endpoint))
                continue  # resent to another endpoint at once
            finally:
                await self._release(endpoint)
            endpoint.answered += 1
            endpoint.down_until = 0.0
            return reply

    def tally(self, totals: dict[str, EndpointTraffic]) -> None:
        """Add this router's counts to a run's totals (a router lives for one batch)."""
        for load in self.endpoints:
            seen = totals.setdefault(load.spec.url, EndpointTraffic(url=load.spec.url))
            seen.sent += load.sent
            seen.answered += load.answered
            seen.lost += load.lost

    async def close(self) -> None:
        for endpoint in self.endpoints:
            await endpoint.transport.close()
