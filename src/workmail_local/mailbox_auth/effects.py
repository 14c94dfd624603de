"""The one way every access policy combines its rules' effects.

WorkMail documents it for access control rules, mobile device access rules and
impersonation rules alike: any matching ``DENY`` denies; else any matching ``ALLOW``
allows; when no rule matches, access is denied. The matched rules reported are those
whose effect is the result (none when nothing matched).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

ALLOW = "ALLOW"
DENY = "DENY"

T = TypeVar("T")


def combine(matched: Iterable[tuple[str, T]]) -> tuple[str, list[T]]:
    """``(effect, rules)`` from the ``(effect, rule)`` pairs of the rules that matched."""
    allowed: list[T] = []
    denied: list[T] = []
    for effect, rule in matched:
        (denied if effect == DENY else allowed).append(rule)
    if denied:
        return DENY, denied
    if allowed:
        return ALLOW, allowed
    return DENY, []
