"""The per-loop sweep behind ``--idle-timeout``: late connections are closed (not before
their deadline), one being answered is not, and the sweep stops when none is open."""

from __future__ import annotations

import asyncio
from typing import Any

from workmail_local.connections import BoundedHttpProtocol, _Sweep


class FakeTransport:
    def __init__(self) -> None:
        self.closed_at: float | None = None

    def is_closing(self) -> bool:
        return self.closed_at is not None

    def close(self) -> None:
        self.closed_at = asyncio.get_running_loop().time()


def connection(deadline: float | None) -> Any:
    """A protocol with only what the sweep reads: a deadline and a transport."""
    conn = BoundedHttpProtocol.__new__(BoundedHttpProtocol)
    conn._deadline = deadline
    conn.transport = FakeTransport()  # type: ignore[assignment]
    return conn


def test_late_connections_are_closed_and_the_sweep_stops_when_none_is_left() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        sweep = _Sweep.of(loop, idle_timeout=0.5)
        assert _Sweep.of(loop, idle_timeout=0.5) is sweep  # one per loop
        start = loop.time()
        late, answering = connection(start + 0.2), connection(None)  # None: a request is being answered
        sweep.watch(late)
        sweep.watch(answering)
        await asyncio.sleep(0.4)
        assert late.transport.closed_at is not None
        assert late.transport.closed_at - start >= 0.2  # not before its deadline
        assert answering.transport.closed_at is None
        sweep.forget(late)
        sweep.forget(answering)
        await asyncio.sleep(0.1)
        assert sweep._timer is None  # nothing to watch: no timer left running

    asyncio.run(scenario())
