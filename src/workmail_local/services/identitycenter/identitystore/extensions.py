"""User extensions: ``aws:identitystore:enterprise``, the only extension the service supports.

Its document holds the SCIM enterprise-user attributes (``employeeNumber``,
``costCenter``, ``organization``, ``division``, ``department`` as strings, ``manager``
as ``{"value": …}``). UpdateUser reaches them with paths such as
``aws:identitystore:enterprise.department`` or ``aws:identitystore:enterprise.manager.value``.
"""

from __future__ import annotations

from typing import Any

from workmail_local.services.identitycenter.identitystore.api import errors
from workmail_local.services.identitycenter.identitystore.attributes import unknown_path

ENTERPRISE = "aws:identitystore:enterprise"
STRING_ATTRIBUTES = ("employeeNumber", "costCenter", "organization", "division", "department")
MANAGER, MANAGER_VALUE = "manager", "value"
MAX_LENGTH = 1024


def _unsupported(name: str) -> Exception:
    return errors.ValidationException(
        f"The extension {name} is not supported: {ENTERPRISE} is the only supported extension name."
    )


def requested(names: list[str] | None) -> list[str] | None:
    """The extension names DescribeUser/ListUsers were asked for, all supported."""
    for name in names or []:
        if name != ENTERPRISE:
            raise _unsupported(name)
    return names


def checked(given: dict[str, Any], where: str) -> dict[str, Any]:
    """CreateUser's Extensions map, each value checked."""
    out = {}
    for name, value in given.items():
        if name != ENTERPRISE:
            raise _unsupported(name)
        out[name] = _enterprise(value, f"{where}.{name}")
    return out


def _canonical(key: str, choices: tuple[str, ...], where: str) -> str:
    for choice in choices:
        if choice.casefold() == str(key).casefold():
            return choice
    raise errors.ValidationException(f"Unknown attribute '{key}' at '{where}'.")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_LENGTH:
        raise errors.ValidationException(
            f"The attribute value at '{where}' must be a string of 1 to {MAX_LENGTH} characters."
        )
    return value


def _manager(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise errors.ValidationException(f"The attribute value at '{where}' must be an object.")
    out = {}
    for key, item in value.items():
        _canonical(key, (MANAGER_VALUE,), where)
        if item is not None:
            out[MANAGER_VALUE] = _string(item, f"{where}.{MANAGER_VALUE}")
    return out


def _enterprise(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise errors.ValidationException(f"The attribute value at '{where}' must be an object.")
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = _canonical(key, (*STRING_ATTRIBUTES, MANAGER), where)
        if item is None:
            continue
        out[name] = _manager(item, f"{where}.{name}") if name == MANAGER else _string(item, f"{where}.{name}")
    return out


def is_extension_path(path: str) -> bool:
    """Whether an attribute path names an extension (``<a>:<b>:<c>[.…]``)."""
    return ":" in path


def apply(doc: dict[str, Any], path: str, value: Any, where: str) -> None:
    """Set or remove (value ``None``) an extension, or one attribute of it, in a user document."""
    name, _, rest = path.partition(".")
    if name.casefold() != ENTERPRISE:
        raise _unsupported(name)
    exts = doc.setdefault("Extensions", {})
    if not rest:
        if value is None:
            exts.pop(ENTERPRISE, None)
        else:
            exts[ENTERPRISE] = _enterprise(value, where)
    else:
        _apply_attribute(exts.setdefault(ENTERPRISE, {}), rest, value, where, path)
        if not exts[ENTERPRISE]:
            del exts[ENTERPRISE]
    if not exts:
        del doc["Extensions"]


def _apply_attribute(enterprise: dict[str, Any], rest: str, value: Any, where: str, path: str) -> None:
    parts = rest.split(".")
    by_fold = {a.casefold(): a for a in (*STRING_ATTRIBUTES, MANAGER)}
    name = by_fold.get(parts[0].casefold())
    into_manager = len(parts) == 2 and name == MANAGER and parts[1].casefold() == MANAGER_VALUE
    if name is None or (len(parts) > 1 and not into_manager):
        raise unknown_path(path)
    if value is None:
        enterprise.pop(name, None)
    elif into_manager:
        enterprise[MANAGER] = {MANAGER_VALUE: _string(value, where)}
    else:
        enterprise[name] = _manager(value, where) if name == MANAGER else _string(value, where)
