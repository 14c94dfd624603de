"""Connections that cannot hold a descriptor forever.

uvicorn's ``timeout_keep_alive`` is armed only after a response: a connection that
never sends a byte, or sends half a request line and stops, is kept open for ever, so
enough of them exhaust the process's descriptors and new clients are refused. This
protocol gives every request a deadline instead: from the moment a connection opens (or
its previous response is sent) the next request must have arrived whole within
``--idle-timeout`` seconds, or the connection is closed. A slow trickle of bytes does
not push the deadline back. Requests being answered are never cut off.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from workmail_local.config import DEFAULT_IDLE_TIMEOUT
from workmail_local.store.durability import ARRIVALS


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a per-request arrival deadline.

    The deadline is a time, not a timer: a timer set and cancelled per request cost more
    than the rest of this protocol's work. One :class:`_Sweep` per event loop closes the
    connections whose deadline has passed, checking a tenth of the timeout apart (so a
    connection is closed at most 10% after its deadline)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle_timeout = float(getattr(self.config, "workmail_idle_timeout", DEFAULT_IDLE_TIMEOUT))
        self._deadline: float | None = None  # loop time by which the next request must be here
        self._unanswered = False  # a request of this connection is counted in ARRIVALS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline = self.loop.time() + self._idle_timeout
        _Sweep.of(self.loop, self._idle_timeout).watch(self)

    def on_message_complete(self) -> None:
        # The whole request is here: answering it has no deadline.
        self._deadline = None
        if not self._unanswered:  # (a pipelined request behind it is not counted again)
            self._unanswered = True
            ARRIVALS.unanswered += 1
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._answered()
        # Waiting for the next request (or for the rest of a pipelined one): its deadline
        # runs. A pipelined request that already arrived whole has none.
        cycle = self.cycle
        waiting = cycle is None or cycle.response_complete or cycle.more_body
        if waiting and not self.transport.is_closing():
            self._deadline = self.loop.time() + self._idle_timeout

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline = None
        self._answered()
        _Sweep.of(self.loop, self._idle_timeout).forget(self)
        super().connection_lost(exc)

    def _answered(self) -> None:
        if self._unanswered:
            self._unanswered = False
            ARRIVALS.unanswered -= 1

    def expire_if_due(self, now: float) -> None:
        """Close the connection if its next request is late."""
        if self._deadline is not None and now >= self._deadline and not self.transport.is_closing():
            self._deadline = None
            self.transport.close()


class _Sweep:
    """The open connections of one event loop, checked for late requests every tenth of
    the idle timeout while there are any."""

    _of_loop: dict[asyncio.AbstractEventLoop, _Sweep] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop, idle_timeout: float) -> None:
        self._loop = loop
        self._interval = max(0.01, idle_timeout / 10)
        self._connections: set[BoundedHttpProtocol] = set()
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop, idle_timeout: float) -> _Sweep:
        sweep = cls._of_loop.get(loop)
        if sweep is None:
            for old in [other for other in cls._of_loop if other.is_closed()]:
                del cls._of_loop[old]  # loops of servers that stopped (tests start many)
            sweep = cls._of_loop[loop] = cls(loop, idle_timeout)
        return sweep

    def watch(self, connection: BoundedHttpProtocol) -> None:
        self._connections.add(connection)
        if self._timer is None:
            self._timer = self._loop.call_later(self._interval, self._run)

    def forget(self, connection: BoundedHttpProtocol) -> None:
        self._connections.discard(connection)

    def _run(self) -> None:
        now = self._loop.time()
        for connection in list(self._connections):
            connection.expire_if_due(now)
        self._timer = self._loop.call_later(self._interval, self._run) if self._connections else None
