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


def to_epoch_millis(seconds: float) -> int:
    """``seconds`` as whole epoch milliseconds, by the same rule as :func:`to_millisecond`
    (export logs and mail events carry integers)."""
    return floor(seconds * 1000 + 0.5)


class Clock:
    """Every timestamp and every time-dependent rule reads :meth:`now`."""

    __slots__ = ("offset",)

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> float:
        """Epoch seconds at the system clock's full precision (sub-microsecond).

        Stored as is: lists are in creation order, ``(created_at, id)``, and two requests
        one after the other are always microseconds apart, while a fast client makes two
        in one millisecond (the ID, random, would then order them). Answers round to the
        millisecond the wire carries (the serializer, :func:`to_millisecond`)."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (never backward: time-dependent state would go back)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def reset(self) -> None:
        """Back to real time."""
        self.offset = 0.0
