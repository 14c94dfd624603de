"""The request log: one line per request (operation, account, region, status, error,
latency), written without the ``logging`` module's per-record cost.

Lines are buffered and written together a moment later (or when many are waiting), so
a busy server makes one write per batch rather than one system call per request, and
the timestamp is formatted once per second. Outside an event loop (tests calling the
app directly) each line is written at once.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

FLUSH_AFTER_SECONDS = 0.05
FLUSH_AT_LINES = 256
# Control characters (a newline would forge a line), separators and the escape itself.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_ESCAPES |= {ord(" "): "\\x20", ord("\\"): "\\\\", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def escape(field: str) -> str:
    """A request-line field with control characters, spaces and backslashes escaped
    (``\\x0a``, ``\\x20``, ``\\\\``): a field is one word and a line is one request."""
    if field.isprintable() and " " not in field and "\\" not in field:
        return field  # the usual case costs one scan
    return field.translate(_ESCAPES)


class AccessLog:
    """Request lines to a text stream (stderr by default)."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self._lines: list[str] = []
        self._scheduled = False
        self._second = -1
        self._stamp = ""

    def _timestamp(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._stamp}.{int((now - second) * 1000):03d}"

    def write(self, line: str) -> None:
        """Log one request line (a no-op when disabled)."""
        if not self.enabled:
            return
        self._lines.append(f"{self._timestamp()} {line}\n")
        if len(self._lines) >= FLUSH_AT_LINES:
            self.flush()
            return
        if not self._scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
                return
            self._scheduled = True
            loop.call_later(FLUSH_AFTER_SECONDS, self.flush)

    def flush(self) -> None:
        """Write every waiting line."""
        self._scheduled = False
        if not self._lines:
            return
        stream = self.stream or sys.stderr
        stream.write("".join(self._lines))
        stream.flush()
        self._lines.clear()
