"""Attribute operations (UpdateUser, UpdateGroup) and the documents they carry, checked
against the model.

An ``AttributePath`` names a member of the resource's create request in lowerCamelCase
(``displayName``, ``name.givenName``, ``emails``), compared case-insensitively as SCIM
attribute names are. Its ``AttributeValue`` is a JSON document, converted into that
member's model shape (object keys in lowerCamelCase, e.g. ``[{"value": …, "type": …,
"primary": true}]`` for ``emails``) and validated with every constraint the model gives
the member. A null or absent value removes the attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.model import Shape

from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import Validator, compile_validator, summary
from workmail_local.services.identitycenter.identitystore.api import errors

_JSON_TYPES = {"string": str, "boolean": bool, "integer": int, "long": int}


@dataclass(frozen=True, slots=True)
class Attribute:
    """A writable attribute: its member names from the top (``("Name", "GivenName")``) and its shape."""

    members: tuple[str, ...]
    shape: Shape


def camel(name: str) -> str:
    """A model member name as attribute paths and documents spell it (``GivenName`` → ``givenName``)."""
    return name[:1].lower() + name[1:]


@cache
def writable_attributes(request_shape: str, excluded: frozenset[str]) -> dict[str, Attribute]:
    """Case-folded attribute path → attribute, for the members of a create request (and the
    members of its structure members, such as ``name.givenName``)."""
    shape = load_service("identitystore").model.shape_for(request_shape)
    found: dict[str, Attribute] = {}
    for name, member in shape.members.items():
        if name in excluded:
            continue
        found[camel(name).casefold()] = Attribute((name,), member)
        if member.type_name == "structure":
            for sub_name, sub in member.members.items():
                found[f"{camel(name)}.{camel(sub_name)}".casefold()] = Attribute((name, sub_name), sub)
    return found


@cache
def _validator(shape_name: str) -> Validator | None:
    return compile_validator(load_service("identitystore").model.shape_for(shape_name))


def from_document(value: Any, shape: Shape, where: str) -> Any:
    """A JSON document as a value of ``shape`` (member names as the model spells them)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _invalid(where, "an object")
        by_key = {camel(name).casefold(): (name, member) for name, member in shape.members.items()}
        out: dict[str, Any] = {}
        for key, item in value.items():
            entry = by_key.get(str(key).casefold())
            if entry is None:
                raise errors.ValidationException(f"Unknown attribute '{key}' at '{where}'.")
            if item is not None:
                out[entry[0]] = from_document(item, entry[1], f"{where}.{camel(entry[0])}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _invalid(where, "an array")
        return [from_document(item, shape.member, f"{where}.{i}.member") for i, item in enumerate(value, 1)]
    expected = _JSON_TYPES.get(kind)
    if expected is None or not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise _invalid(where, f"a {kind}")
    return value


def _invalid(where: str, expected: str) -> Exception:
    return errors.ValidationException(f"The attribute value at '{where}' must be {expected}.")


def checked_value(value: Any, attribute: Attribute, where: str) -> Any:
    """A document converted to the attribute's shape and validated with the model's constraints."""
    converted = from_document(value, attribute.shape, where)
    validate = _validator(attribute.shape.name)
    if validate is not None:
        problems: list[str] = []
        validate(converted, where, problems)
        if problems:
            raise errors.ValidationException(summary(problems))
    return converted


def apply(document: dict[str, Any], attribute: Attribute, value: Any) -> None:
    """Set (or, for ``None``, remove) an attribute in a resource document; an emptied structure goes too."""
    *parents, last = attribute.members
    target = document
    for name in parents:
        target = target.setdefault(name, {})
    if value is None:
        target.pop(last, None)
    else:
        target[last] = value
    if parents and not target:
        document.pop(parents[0], None)


def unknown_path(path: str) -> Exception:
    """ValidationException for an attribute path the resource does not have."""
    return errors.ValidationException(f"Invalid attribute path: {path} is not an attribute that can be updated.")
