"""Request IDs: unique, UUID-shaped, and cheap.

A random per-process prefix (from one ``uuid4``) plus a counter: unique within the
process and, by the random prefix, across processes. They need not be unpredictable,
and ``uuid4()`` per request costs several microseconds on the hot path.
"""

from __future__ import annotations

import itertools
import uuid


class RequestIds:
    """``next()`` gives ``xxxxxxxx-xxxx-4xxx-yxxx-<12 hex counter>``."""

    def __init__(self) -> None:
        self._prefix = str(uuid.uuid4())[:24]
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"
