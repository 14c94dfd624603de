"""The handlers' portable SQL (``?`` placeholders) in PostgreSQL's two spellings."""

from __future__ import annotations

from functools import lru_cache


def _placeholders(sql: str) -> list[str]:
    """``sql`` cut at each ``?`` placeholder; a ``?`` inside a quoted literal or identifier stays."""
    parts: list[str] = []
    start, quote = 0, ""
    for index, char in enumerate(sql):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            parts.append(sql[start:index])
            start = index + 1
    parts.append(sql[start:])
    return parts


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """``?`` placeholders → ``%s``, and a literal ``%`` → ``%%`` (psycopg's client-side binding)."""
    return "%s".join(part.replace("%", "%%") for part in _placeholders(sql))


def numbered(sql: str) -> tuple[str, int]:
    """``?`` placeholders → ``$1``, ``$2`` … (a PREPARE's), and how many there are."""
    parts = _placeholders(sql)
    text = parts[0] + "".join(f"${number}{part}" for number, part in enumerate(parts[1:], 1))
    return text, len(parts) - 1
