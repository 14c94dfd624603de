"""Access control rules, evaluated: may this request reach the organization's mailboxes?

Pure functions (no I/O), used by GetAccessControlEffect and by every mailbox login.
A rule matches a request when every one of its non-empty conditions holds:

- ``IpRanges``: the client's address is inside one of the CIDRs; ``NotIpRanges``: inside none;
- ``Actions`` / ``NotActions``: the protocol is / is not listed;
- ``UserIds`` / ``NotUserIds``: the acting user is / is not listed;
- ``ImpersonationRoleIds`` / ``NotImpersonationRoleIds``: likewise for the acting role.

A condition on a fact the request does not carry fails, positive and ``Not*`` alike: a
user's login carries no impersonation role, an impersonated EWS call no user, and a
login whose client address is unknown no address. Rules are IPv4; an IPv6 client is in
no range. Effects combine as :func:`workmail_local.mailbox_auth.effects.combine` says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from workmail_local.mailbox_auth.effects import combine

ACTIONS = ("ActiveSync", "AutoDiscover", "EWS", "IMAP", "SMTP", "WindowsOutlook", "WebMail")
CONDITIONS = ("IpRanges", "NotIpRanges", "Actions", "NotActions", "UserIds", "NotUserIds",
              "ImpersonationRoleIds", "NotImpersonationRoleIds")


class Request(NamedTuple):
    """The facts of one request; ``None`` where the request does not carry that fact."""

    action: str
    ip: str | None = None
    user_id: str | None = None
    impersonation_role_id: str | None = None


class Rule(NamedTuple):
    """A stored rule: its name, effect and non-empty condition lists."""

    name: str
    effect: str
    conditions: Mapping[str, Sequence[str]]


@lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network:
    # Host bits may be set (10.1.2.3/8): the rule means the masked network.
    return ipaddress.IPv4Network(cidr, strict=False)


@lru_cache(maxsize=4096)
def _address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(ip)


def _in_ranges(ip: str, ranges: Sequence[str]) -> bool:
    address = _address(ip)
    return address.version == 4 and any(address in _network(cidr) for cidr in ranges)


def _holds(condition: str, values: Sequence[str], request: Request) -> bool:
    negated = condition.startswith("Not")
    kind = condition[3:] if negated else condition
    if kind == "IpRanges":
        if request.ip is None:
            return False
        inside = _in_ranges(request.ip, values)
    else:
        fact = {"Actions": request.action, "UserIds": request.user_id,
                "ImpersonationRoleIds": request.impersonation_role_id}[kind]
        if fact is None:
            return False
        inside = fact in values
    return inside != negated


def matches(rule: Rule, request: Request) -> bool:
    """Whether every non-empty condition of ``rule`` holds for ``request``."""
    return all(_holds(name, values, request) for name, values in rule.conditions.items() if values)


def evaluate(rules: Iterable[Rule], request: Request) -> tuple[str, list[str]]:
    """``(Effect, MatchedRules)``: the effect and the names of the matching rules that have it."""
    return combine((rule.effect, rule.name) for rule in rules if matches(rule, request))


def normalize_ip(ip: str) -> str:
    """A client address as evaluation reads it (an IPv4-mapped IPv6 address is its IPv4
    address); ``ValueError`` when it is not an IP address."""
    address = ipaddress.ip_address(ip.strip())
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)
