"""Python values → JSON, by the output shape.

Only members the shape declares are written (internal fields never leak), ``None`` is
omitted, timestamps become epoch seconds with a millisecond fraction and blobs base64.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

Serializer = Callable[[Any], Any]


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        value = value.timestamp()
    return round(float(value), 3)


def _blob(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value).decode()


def compile_serializer(shape: Any, _memo: dict[str, Serializer | None] | None = None) -> Serializer | None:
    """Build the serializer of ``shape``; ``None`` where values pass through unchanged."""
    memo: dict[str, Serializer | None] = {} if _memo is None else _memo
    key = shape.name
    if key in memo:
        return memo[key]
    kind = shape.type_name
    if kind == "timestamp":
        return _timestamp
    if kind == "blob":
        return _blob
    if kind == "structure" and shape.is_document_type:
        return None  # a document is any JSON value, written as it is
    if kind == "structure":
        members: list[tuple[str, Serializer | None]] = []

        def serialize_structure(value: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for name, sub in members:
                item = value.get(name)
                if item is not None:
                    out[name] = item if sub is None else sub(item)
            return out

        memo[key] = serialize_structure
        members.extend((name, compile_serializer(m, memo)) for name, m in shape.members.items())
        return serialize_structure
    if kind == "list":
        memo[key] = None
        sub = compile_serializer(shape.member, memo)
        if sub is None:
            return None
        fn: Serializer = lambda value: [sub(v) for v in value]  # noqa: E731
        memo[key] = fn
        return fn
    if kind == "map":
        memo[key] = None
        sub = compile_serializer(shape.value, memo)
        if sub is None:
            return None
        fn = lambda value: {k: sub(v) for k, v in value.items()}  # noqa: E731
        memo[key] = fn
        return fn
    return None
