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


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a per-request arrival deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle_timeout = float(getattr(self.config, "workmail_idle_timeout", DEFAULT_IDLE_TIMEOUT))
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self._idle_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_complete(self) -> None:
        # The whole request is here: answering it has no deadline.
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Waiting for the next request (or for the rest of a pipelined one): its deadline
        # runs. A pipelined request that already arrived whole has none.
        cycle = self.cycle
        waiting = cycle is None or cycle.response_complete or cycle.more_body
        if waiting and not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
