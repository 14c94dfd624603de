"""JSON values → Python values, checked against the input shape's types.

A wrong JSON type answers ``SerializationException``, as AWS JSON services do. Members
the shape does not know are dropped (clients newer than the model may send them), and
JSON ``null`` is the same as an absent member.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.model import Shape

from workmail_local.protocol.errors import SerializationException

Parser = Callable[[Any, str], Any]

_JSON_TYPE_NAMES = {
    dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
}


def _fail(expected: str, value: Any, path: str) -> SerializationException:
    got = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    where = f" at '{path}'" if path else ""
    return SerializationException(f"Expected {expected}{where}, but found {got}")


def compile_parser(shape: Shape, _memo: dict[str, Parser] | None = None) -> Parser:
    """Build the function that checks and converts a JSON value of ``shape``."""
    memo = {} if _memo is None else _memo
    key = shape.name
    if key in memo:
        return memo[key]
    kind = shape.type_name
    if kind == "structure" and shape.is_document_type:
        # A document is any JSON value (string, number, object …), taken as it is.
        memo[key] = _parse_document
        return _parse_document
    if kind == "structure":
        # Recursive shapes: register a trampoline before compiling the members.
        members: list[tuple[str, str, Parser]] = []

        def parse_structure(value: Any, path: str) -> dict[str, Any]:
            if type(value) is not dict:
                raise _fail("an object", value, path)
            out: dict[str, Any] = {}
            for name, wire, parse_member in members:
                item = value.get(name)
                if item is not None:
                    out[name] = parse_member(item, f"{path}.{wire}" if path else wire)
            return out

        memo[key] = parse_structure
        for name, member in shape.members.items():
            members.append((name, name[:1].lower() + name[1:], compile_parser(member, memo)))
        return parse_structure
    if kind == "list":
        parse_item = compile_parser(shape.member, memo)

        def parse_list(value: Any, path: str) -> list[Any]:
            if type(value) is not list:
                raise _fail("an array", value, path)
            return [parse_item(item, f"{path}.{i}.member") for i, item in enumerate(value, 1)]

        memo[key] = parse_list
        return parse_list
    if kind == "map":
        parse_key = compile_parser(shape.key, memo)
        parse_value = compile_parser(shape.value, memo)

        def parse_map(value: Any, path: str) -> dict[str, Any]:
            if type(value) is not dict:
                raise _fail("an object", value, path)
            return {parse_key(k, path): parse_value(v, f"{path}.{k}") for k, v in value.items()}

        memo[key] = parse_map
        return parse_map
    parser = _SCALARS[kind]
    memo[key] = parser
    return parser


def _parse_document(value: Any, path: str) -> Any:
    return value


def _parse_string(value: Any, path: str) -> str:
    if type(value) is not str:
        raise _fail("a string", value, path)
    return value


def _parse_integer(value: Any, path: str) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise _fail("an integer", value, path)


def _parse_float(value: Any, path: str) -> float:
    if type(value) in (int, float):
        return float(value)
    raise _fail("a number", value, path)


def _parse_boolean(value: Any, path: str) -> bool:
    if type(value) is not bool:
        raise _fail("a boolean", value, path)
    return value


def _parse_timestamp(value: Any, path: str) -> float:
    """Epoch seconds (the JSON protocol's default) or an ISO 8601 string."""
    if type(value) in (int, float):
        return float(value)
    if type(value) is str:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise _fail("a timestamp", value, path)


def _parse_blob(value: Any, path: str) -> bytes:
    if type(value) is str:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise _fail("a base64-encoded string", value, path)


_SCALARS: dict[str, Parser] = {
    "string": _parse_string,
    "integer": _parse_integer,
    "long": _parse_integer,
    "float": _parse_float,
    "double": _parse_float,
    "boolean": _parse_boolean,
    "timestamp": _parse_timestamp,
    "blob": _parse_blob,
}
