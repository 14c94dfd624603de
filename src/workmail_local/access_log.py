"""The request log: one line per request (operation, account, region, status, error,
latency), written without the ``logging`` module's per-record cost.

Lines are buffered and written together a moment later (or when many are waiting), so
a busy server makes one write per batch rather than one system call per request, and
the timestamp is formatted once per second. Outside an event loop (tests calling the
app directly) each line is written at once.

The line is on every request's path, so its parts cost no float formatting: the
millisecond of the timestamp comes from a table, the latency is formatted from an
integer (:func:`elapsed_ms`), and a field seen before is not scanned again (:func:`escape`).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any, TextIO

FLUSH_AFTER_SECONDS = 0.05
FLUSH_AT_LINES = 256
# Control characters (a newline would forge a line), separators and the escape itself.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_ESCAPES |= {ord(" "): "\\x20", ord("\\"): "\\\\", 0x2028: "\\u2028", 0x2029: "\\u2029"}
# Memos of escaped text (fields, and the start of AWS request lines) for text that repeats:
# bounded in entries and in the length of what they keep, so text that never repeats
# cannot grow them.
REMEMBERED = 4096
REMEMBERED_LENGTH = 256
_ESCAPED: dict[str, str] = {}
# ".000" … ".999": the timestamp's millisecond, looked up rather than formatted.
_MILLIS = tuple(f".{ms:03d}" for ms in range(1000))


def _remember(memo: dict[Any, str], key: Any, value: str) -> str:
    if len(value) <= REMEMBERED_LENGTH:
        if len(memo) >= REMEMBERED:
            memo.clear()
        memo[key] = value
    return value


def escape(field: str) -> str:
    """A request-line field with control characters, spaces and backslashes escaped
    (``\\x0a``, ``\\x20``, ``\\\\``): a field is one word and a line is one request."""
    escaped = _ESCAPED.get(field)
    if escaped is None:
        plain = field.isprintable() and " " not in field and "\\" not in field
        escaped = _remember(_ESCAPED, field, field if plain else field.translate(_ESCAPES))
    return escaped


def elapsed_ms(started: float) -> str:
    """The time since ``started`` (a ``time.perf_counter()`` reading) as ``12.3ms``."""
    tenths = int((time.perf_counter() - started) * 10000.0 + 0.5)
    return f"{tenths // 10}.{tenths % 10}ms"


class AccessLog:
    """Request lines to a text stream (stderr by default)."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self._lines: list[str] = []
        self._scheduled = False
        self._second = -1
        self._stamp = ""
        # (operation, account, region) → "Operation account=… region=… status="
        self._starts: dict[tuple[str, str, str], str] = {}

    def request(self, operation: str, account: str, region: str, status: int, error: str, started: float,
                request_id: str) -> None:
        """Log the line of one AWS request (a no-op when disabled):
        ``Operation account=… region=… status=… error=… 1.2ms``, and the request ID of a 5xx."""
        if not self.enabled:
            return
        key = (operation, account, region)
        start = self._starts.get(key)
        if start is None:
            start = _remember(self._starts, key,
                              f"{escape(operation)} account={escape(account)} region={escape(region)} status=")
        line = f"{start}{status} error={error} {elapsed_ms(started)}"
        self._add(line if status < 500 else f"{line} request_id={request_id}")

    def write(self, line: str) -> None:
        """Log one request line (a no-op when disabled)."""
        if self.enabled:
            self._add(line)

    def _add(self, line: str) -> None:
        second, millisecond = divmod(int(time.time() * 1000.0), 1000)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        self._lines.append(f"{self._stamp}{_MILLIS[millisecond]} {line}\n")
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
