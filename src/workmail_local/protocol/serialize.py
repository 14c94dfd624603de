"""Python values → JSON, by the output shape.

Only members the shape declares are written (internal fields never leak), ``None`` is
omitted, timestamps become epoch seconds with a millisecond fraction and blobs base64.

Strict mode (``WORKMAIL_LOCAL_STRICT_OUTPUT=1``; the test suite sets it) checks every
structure a handler returns instead: a key the shape does not have, or a required member
that is missing, raises :class:`OutputShapeError` (a 500), so a typo in a handler cannot
pass as an empty answer. It is chosen when the serializers are compiled: off, the request
path runs exactly the code it runs without it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from workmail_local.clock import to_millisecond

Serializer = Callable[[Any], Any]
#: Rows (tuples) → a :class:`Rendered` list of structures in wire form.
RowSerializer = Callable[[Iterable[Sequence[Any]]], "Rendered"]

STRICT_ENV = "WORKMAIL_LOCAL_STRICT_OUTPUT"
_UNDECLARED: Any = object()  # a key the shape has no member for


def strict_from_env() -> bool:
    """Whether strict output checking is on (``WORKMAIL_LOCAL_STRICT_OUTPUT=1``)."""
    return os.environ.get(STRICT_ENV, "") == "1"


class OutputShapeError(Exception):
    """Strict mode: a handler's result does not fit its output shape."""


class Rendered(list):  # type: ignore[type-arg]
    """A list whose items are already in wire form (made by a :func:`compile_rows`
    serializer): the serializer of the list passes it through as it is."""

    __slots__ = ()


class RenderedStructure(dict):  # type: ignore[type-arg]
    """An operation's answer already in wire form (made by a :func:`compile_structure`
    serializer): the pipeline writes it without the output shape's serializer."""

    __slots__ = ()


def _timestamp(value: Any) -> float:
    if value.__class__ is float:  # what the store holds: the usual case first
        return to_millisecond(value)
    if isinstance(value, datetime):
        value = value.timestamp()
    return to_millisecond(float(value))


def _blob(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value).decode()


def compile_serializer(shape: Any, _memo: dict[str, Serializer | None] | None = None,
                       strict: bool = False) -> Serializer | None:
    """Build the serializer of ``shape``; ``None`` where values pass through unchanged.

    ``strict``: structures are checked against the shape as they are written (one memo
    per mode: strict and plain serializers are never mixed)."""
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
        members: dict[str, Serializer | None] = {}

        def serialize_structure(value: dict[str, Any]) -> dict[str, Any]:
            # Over what the handler set (usually fewer than the shape's members), each
            # looked up among the members: an undeclared key is dropped.
            out = {}
            for name, item in value.items():
                if item is not None:
                    sub = members.get(name, _UNDECLARED)
                    if sub is None:
                        out[name] = item
                    elif sub is not _UNDECLARED:
                        out[name] = sub(item)
            return out

        # In the memo before the members are compiled: a recursive shape refers to itself.
        memo[key] = _checked(shape, serialize_structure) if strict else serialize_structure
        members.update((name, compile_serializer(m, memo, strict)) for name, m in shape.members.items())
        return memo[key]
    if kind == "list":
        memo[key] = None
        sub = compile_serializer(shape.member, memo, strict)
        if sub is None:
            return None

        def serialize_list(value: list[Any]) -> list[Any]:
            return value if value.__class__ is Rendered else [sub(v) for v in value]

        memo[key] = serialize_list
        return serialize_list
    if kind == "map":
        memo[key] = None
        sub = compile_serializer(shape.value, memo, strict)
        if sub is None:
            return None
        fn = lambda value: {k: sub(v) for k, v in value.items()}  # noqa: E731
        memo[key] = fn
        return fn
    return None


def compile_rows(shape: Any, names: Sequence[str], strict: bool = False) -> RowSerializer:
    """The serializer of rows as a list of structure ``shape``: value ``i`` of a row is
    member ``names[i]`` (later values are ignored), written as :func:`compile_serializer`
    writes it (``None`` omitted, timestamps, blobs, nested shapes). A list page reads its
    rows as tuples: this writes them in one step per member, with no dict in between and
    no second walk (the result is :class:`Rendered`).

    Generated code (as ``dataclasses`` generates ``__init__``): the member names are the
    model's, each written as a literal with ``repr``. ``strict``: a row missing a required
    member raises :class:`OutputShapeError`. A name the shape does not have is a
    programming error, raised here."""
    scope, body = _member_code(shape, dict(zip(names, range(len(names)))), strict, "        ")
    scope["Rendered"] = Rendered
    lines = ["def rows(values):", "    out = Rendered()", "    add = out.append", "    for row in values:",
             "        item = {}", *body, "        add(item)", "    return out"]
    exec("\n".join(lines), scope)  # noqa: S102 - from the model's member names (_member_code)
    rows: RowSerializer = scope["rows"]
    return rows


def compile_structure(shape: Any, columns: dict[str, str], strict: bool = False) -> Callable[[Any], RenderedStructure]:
    """The serializer of one stored row as structure ``shape`` (a Describe answer): member
    ``m`` is ``row[columns[m]]``, written as :func:`compile_rows` writes a list's items. Its
    result is a :class:`RenderedStructure`, which the pipeline writes as it is: the answer
    is built once, with no dict of Python values in between and no walk of it afterwards."""
    scope, body = _member_code(shape, columns, strict, "    ")
    lines = ["def structure(row):", "    item = RenderedStructure()", *body, "    return item"]
    scope["RenderedStructure"] = RenderedStructure
    exec("\n".join(lines), scope)  # noqa: S102 - from the model's member names (_member_code)
    structure: Callable[[Any], RenderedStructure] = scope["structure"]
    return structure


def _member_code(shape: Any, keys: dict[str, Any], strict: bool, indent: str) -> tuple[dict[str, Any], list[str]]:
    """The statements writing ``item[m] = row[keys[m]]`` for each member ``m`` of ``shape``
    (in wire form; ``None`` omitted), and the scope they run in."""
    unknown = [name for name in keys if name not in shape.members]
    if unknown:
        raise ValueError(f"{shape.name} has no member {', '.join(map(repr, unknown))}")
    memo: dict[str, Serializer | None] = {}
    scope: dict[str, Any] = {"OutputShapeError": OutputShapeError, "_float": float, "_ms": to_millisecond,
                             "_bool": bool}
    lines = []
    for i, (name, key) in enumerate(keys.items()):
        member = shape.members[name]
        sub = compile_serializer(member, memo, strict)
        lines.append(f"{indent}value = row[{key!r}]")
        if sub is None and member.type_name == "boolean":  # SQLite stores booleans as 0 and 1
            lines.append(f"{indent}if value is not None: item[{name!r}] = _bool(value)")
        elif sub is None:
            lines.append(f"{indent}if value is not None: item[{name!r}] = value")
        elif sub is _timestamp:  # the store's floats rounded here; anything else as the serializer does
            lines.append(f"{indent}if value is not None: item[{name!r}] = _ms(value) "
                         f"if value.__class__ is _float else s{i}(value)")
            scope[f"s{i}"] = sub
        else:
            lines.append(f"{indent}if value is not None: item[{name!r}] = s{i}(value)")
            scope[f"s{i}"] = sub
    if strict:
        missing = [name for name in shape.required_members if name not in keys]
        if missing:
            raise OutputShapeError(f"{shape.name}: required member {', '.join(map(repr, missing))} is never written")
        for name in shape.required_members:
            lines.append(f"{indent}if {name!r} not in item: raise OutputShapeError("
                         f"{shape.name + ': required member ' + repr(name) + ' is missing'!r})")
    return scope, lines


def _checked(shape: Any, serialize_structure: Serializer) -> Serializer:
    """``serialize_structure`` after checking its value's keys against ``shape`` (strict mode)."""
    names = frozenset(shape.members)
    required = tuple(shape.required_members)

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            raise OutputShapeError(f"{shape.name}: expected a structure (dict), got {type(value).__name__}")
        unknown = sorted(set(value) - names)
        if unknown:
            raise OutputShapeError(f"{shape.name} has no member {', '.join(map(repr, unknown))}; "
                                   f"its members: {', '.join(sorted(names)) or 'none'}")
        missing = [name for name in required if value.get(name) is None]
        if missing:
            raise OutputShapeError(f"{shape.name}: required member {', '.join(map(repr, missing))} is missing")
        return serialize_structure(value)

    return check
