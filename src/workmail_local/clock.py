"""The emulator's one clock: real time plus an offset the control API can advance."""

from __future__ import annotations

import time
from math import floor


def to_millisecond(seconds: float) -> float:
    """``seconds`` rounded to the millisecond the wire carries (halves up).

    The nearest float to a whole number of milliseconds, so its ``repr`` has at most
    three decimals, as ``round(seconds, 3)`` gives, at a quarter of its cost: ``round``
    with digits goes through a decimal string, and every timestamp of every answer (ten
    rows of a list page each carry one or two) is written through this."""
    return floor(seconds * 1000 + 0.5) / 1000


class Clock:
    """Every timestamp and every time-dependent rule reads :meth:`now`."""

    __slots__ = ("offset",)

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> float:
        """Epoch seconds, rounded to the millisecond the wire carries (so a stored value
        reads back exactly as it was answered)."""
        return to_millisecond(time.time() + self.offset)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (never backward: time-dependent state would go back)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def reset(self) -> None:
        """Back to real time."""
        self.offset = 0.0
