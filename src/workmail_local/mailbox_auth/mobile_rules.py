"""Mobile device access rules and overrides, evaluated: may this device sync (ActiveSync)?

Pure functions (no I/O), used by GetMobileDeviceAccessEffect and by ActiveSync logins.
A rule matches a device when every one of its non-empty conditions holds. Each
condition compares one property the device reports (type, model, operating system,
user agent) with its entries, each a case-insensitive prefix:

- a positive list (``DeviceTypes`` …) holds when the property starts with one of the
  entries; the entry ``$NONE`` matches a property the device did not report;
- a ``Not*`` list holds when the property starts with none of the entries, and never
  for a property the device did not report.

Effects combine as :func:`workmail_local.mailbox_auth.effects.combine` says. A user's
override for the device (device IDs compare case-insensitively) replaces the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from workmail_local.mailbox_auth.effects import combine

NONE = "$NONE"
# Condition list → the device property it reads (GetMobileDeviceAccessEffect's member names).
PROPERTIES = {
    "DeviceTypes": "DeviceType",
    "DeviceModels": "DeviceModel",
    "DeviceOperatingSystems": "DeviceOperatingSystem",
    "DeviceUserAgents": "DeviceUserAgent",
}
CONDITIONS = tuple(name for positive in PROPERTIES for name in (positive, "Not" + positive))


class Rule(NamedTuple):
    """A stored rule: its ID, name, effect and non-empty condition lists."""

    rule_id: str
    name: str
    effect: str
    conditions: Mapping[str, Sequence[str]]


def _starts_with_one(value: str, entries: Sequence[str]) -> bool:
    folded = value.casefold()
    return any(entry != NONE and folded.startswith(entry.casefold()) for entry in entries)


def _holds(condition: str, entries: Sequence[str], device: Mapping[str, str | None]) -> bool:
    negated = condition.startswith("Not")
    value = device.get(PROPERTIES[condition[3:] if negated else condition]) or None
    if value is None:
        return not negated and NONE in entries
    return _starts_with_one(value, entries) != negated


def matches(rule: Rule, device: Mapping[str, str | None]) -> bool:
    """Whether every non-empty condition of ``rule`` holds for the device's properties."""
    return all(_holds(name, entries, device) for name, entries in rule.conditions.items() if entries)


def evaluate(rules: Iterable[Rule], device: Mapping[str, str | None]) -> tuple[str, list[dict[str, Any]]]:
    """``(Effect, MatchedRules)`` of the rules alone (as GetMobileDeviceAccessEffect answers)."""
    return combine(
        (rule.effect, {"MobileDeviceAccessRuleId": rule.rule_id, "Name": rule.name})
        for rule in rules if matches(rule, device)
    )


def decide(override: str | None, rules: Iterable[Rule],
           device: Mapping[str, str | None]) -> tuple[str, list[dict[str, Any]]]:
    """The effect for one user's device: its override's effect if it has one (no rules
    matched then), else the rules'."""
    if override is not None:
        return override, []
    return evaluate(rules, device)
