"""Every constraint of an input shape, checked before any handler runs.

Messages follow the Coral wording AWS services use, e.g.
``Value 'm-x' at 'organizationId' failed to satisfy constraint: Member must have length
greater than or equal to 34``; one message per violated constraint, in member order.
Validators are compiled once per shape at start-up; a shape with nothing to check
compiles to ``None`` and costs nothing per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import regex
from botocore.model import Shape

Validator = Callable[[Any, str, list[str]], None]

SENSITIVE = "***"
# A message quotes at most this many characters of an offending value (and says how long
# it was): a 100 MB member must not come back in the error, once per violated constraint.
MAX_QUOTED = 256


def java_pattern(pattern: str) -> str:
    r"""Translate a model (Java) regex into the ``regex`` dialect.

    Java's ``\w`` and ``\d`` are ASCII-only, Python's are Unicode: spell them out so a
    name like ``jösé`` fails ``[\w\-.]+`` as it does on the service. ``\p{L}`` and the
    rest are understood by ``regex`` as they are.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "w":
                out.append("a-zA-Z0-9_" if in_class else "[a-zA-Z0-9_]")
            elif nxt == "d":
                out.append("0-9" if in_class else "[0-9]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def render(value: Any) -> str:
    """A value as Coral prints it inside ``Value '…'``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    return str(value)


def violation(value: Any, path: str, constraint: str, sensitive: bool = False) -> str:
    """One Coral-style violation message; a long value is quoted by its first
    :data:`MAX_QUOTED` characters and its length."""
    if value is None:
        shown = "null"
    elif sensitive and value != {}:
        shown = f"'{SENSITIVE}'"
    else:
        # A string is cut before rendering, so a huge one is never copied whole.
        text = value[: MAX_QUOTED + 1] if type(value) is str else render(value)
        if len(text) > MAX_QUOTED:
            length = len(value) if type(value) is str else len(text)
            shown = f"'{text[:MAX_QUOTED]}…' ({length} characters)"
        else:
            shown = f"'{text}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def summary(errors: list[str]) -> str:
    """The whole message: ``N validation error(s) detected: a; b``."""
    n = len(errors)
    return f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(errors)


def _scalar_checks(shape: Shape) -> list[Callable[[Any], str | None]]:
    """The constraint checks of a string, number or collection shape, in Coral's order."""
    meta = shape.metadata
    checks: list[Callable[[Any], str | None]] = []
    kind = shape.type_name
    lo, hi = meta.get("min"), meta.get("max")
    if kind in ("string", "list", "map", "blob"):
        if lo is not None and lo > 0:
            text = f"Member must have length greater than or equal to {lo}"
            checks.append(lambda v, lo=lo, text=text: text if len(v) < lo else None)
        if hi is not None:
            text = f"Member must have length less than or equal to {hi}"
            checks.append(lambda v, hi=hi, text=text: text if len(v) > hi else None)
    elif kind in ("integer", "long", "float", "double"):
        if lo is not None:
            text = f"Member must have value greater than or equal to {render(lo)}"
            checks.append(lambda v, lo=lo, text=text: text if v < lo else None)
        if hi is not None:
            text = f"Member must have value less than or equal to {render(hi)}"
            checks.append(lambda v, hi=hi, text=text: text if v > hi else None)
    if kind == "string" and meta.get("pattern") is not None:
        pattern = meta["pattern"]
        text = f"Member must satisfy regular expression pattern: {pattern}"
        checks.append(_pattern_check(pattern, text))
    enum = getattr(shape, "enum", None)
    if kind == "string" and enum:
        allowed = frozenset(enum)
        text = f"Member must satisfy enum value set: [{', '.join(enum)}]"
        checks.append(lambda v, allowed=allowed, text=text: None if v in allowed else text)
    return checks


def _pattern_check(pattern: str, text: str) -> Callable[[Any], str | None]:
    """The check of a model pattern, compiled on first use: a model has hundreds of
    patterns, and compiling them all made start-up slow for operations never called."""
    compiled: list[Callable[[str], Any]] = []

    def check(value: Any) -> str | None:
        if not compiled:
            compiled.append(regex.compile(java_pattern(pattern)).search)
        return None if compiled[0](value) else text

    return check


def contains_sensitive(shape: Shape, _seen: frozenset[str] = frozenset()) -> bool:
    """Whether a value of ``shape`` is, or holds, a member marked sensitive."""
    if shape.metadata.get("sensitive"):
        return True
    if shape.name in _seen:
        return False
    seen = _seen | {shape.name}
    kind = shape.type_name
    if kind == "structure":
        return any(contains_sensitive(m, seen) for m in shape.members.values())
    if kind == "list":
        return contains_sensitive(shape.member, seen)
    if kind == "map":
        return contains_sensitive(shape.key, seen) or contains_sensitive(shape.value, seen)
    return False


def compile_validator(shape: Shape, _memo: dict[str, Validator | None] | None = None) -> Validator | None:
    """Build the validator of ``shape``; ``None`` when the shape constrains nothing."""
    memo: dict[str, Validator | None] = {} if _memo is None else _memo
    key = shape.name
    if key in memo:
        return memo[key]
    memo[key] = None  # recursion guard: a recursive reference validates nothing deeper
    checks = _scalar_checks(shape)
    # A list, map or structure holding anything sensitive is never echoed either.
    sensitive = contains_sensitive(shape)
    kind = shape.type_name
    inner: Validator | None = None

    if kind == "structure":
        if shape.is_tagged_union:
            # A union sets exactly one member. Its value is shown only when empty: the
            # members set may be sensitive.
            text = "Member must have exactly one member set"
            checks.append(lambda v, text=text: None if len(v) == 1 else text)
            sensitive = True
        required = set(shape.required_members)
        members = []
        for name, member in shape.members.items():
            sub = compile_validator(member, memo)
            if sub is not None or name in required:
                members.append((name, name[:1].lower() + name[1:], sub, name in required))
        if members:
            def inner(value: dict[str, Any], path: str, errors: list[str]) -> None:
                for name, wire, sub, is_required in members:
                    item = value.get(name)
                    where = f"{path}.{wire}" if path else wire
                    if item is None:
                        if is_required:
                            errors.append(violation(None, where, "Member must not be null"))
                    elif sub is not None:
                        sub(item, where, errors)
    elif kind == "list":
        sub = compile_validator(shape.member, memo)
        if sub is not None:
            def inner(value: list[Any], path: str, errors: list[str]) -> None:
                for i, item in enumerate(value, 1):
                    sub(item, f"{path}.{i}.member", errors)
    elif kind == "map":
        key_check = compile_validator(shape.key, memo)
        value_check = compile_validator(shape.value, memo)
        if key_check is not None or value_check is not None:
            def inner(value: dict[str, Any], path: str, errors: list[str]) -> None:
                for k, v in value.items():
                    if key_check is not None:
                        key_check(k, path, errors)
                    if value_check is not None:
                        value_check(v, f"{path}.{k}", errors)

    if not checks and inner is None:
        return None

    if kind == "string" and inner is None:
        memo[key] = _remembering(checks, sensitive)
        return memo[key]

    def validate(value: Any, path: str, errors: list[str]) -> None:
        for check in checks:
            text = check(value)
            if text is not None:
                errors.append(violation(value, path, text, sensitive))
        if inner is not None:
            inner(value, path, errors)

    memo[key] = validate
    return validate


#: Strings of one shape that passed its checks, remembered up to this many: requests
#: repeat the same IDs (every org-scoped request names its organization), and a pattern
#: match costs far more than a lookup.
REMEMBERED_VALID = 1024


def _remembering(checks: list[Callable[[Any], str | None]], sensitive: bool) -> Validator:
    """The validator of a string shape: its checks, skipped for a value that passed them recently."""
    valid: dict[str, None] = {}

    def validate_string(value: Any, path: str, errors: list[str]) -> None:
        if value in valid:
            return
        failed = False
        for check in checks:
            text = check(value)
            if text is not None:
                errors.append(violation(value, path, text, sensitive))
                failed = True
        if not failed:
            if len(valid) >= REMEMBERED_VALID:
                valid.clear()
            valid[value] = None

    return validate_string
