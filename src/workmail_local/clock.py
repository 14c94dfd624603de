"""The emulator's one clock: real time plus an offset the control API can advance."""

from __future__ import annotations

import time


class Clock:
    """Every timestamp and every time-dependent rule reads :meth:`now`."""

    __slots__ = ("offset",)

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> float:
        """Epoch seconds, rounded to the millisecond the wire carries (so a stored value
        reads back exactly as it was answered)."""
        return round(time.time() + self.offset, 3)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (never backward: time-dependent state would go back)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def reset(self) -> None:
        """Back to real time."""
        self.offset = 0.0
