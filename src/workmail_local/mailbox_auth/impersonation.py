"""Impersonation roles, evaluated: may this role act for this user?

Pure functions (no I/O), used by GetImpersonationRoleEffect and by impersonated EWS
logins. A role's rule matches a target user when each of its non-empty conditions
holds: ``TargetUsers`` lists the user, ``NotTargetUsers`` does not (both compared as
user IDs, resolved when the role was written). A rule without conditions matches every
user; a role without rules can impersonate nobody. Effects combine as
:func:`workmail_local.mailbox_auth.effects.combine` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from workmail_local.mailbox_auth.effects import combine

TOKEN_LIFETIME = 900  # seconds: "use the token within 15 minutes"


class Rule(NamedTuple):
    """One impersonation rule, its targets as user IDs (empty: no such condition)."""

    rule_id: str
    name: str | None
    effect: str
    target_ids: Sequence[str] = ()
    not_target_ids: Sequence[str] = ()


def stored_rules(rules: str, targets: str) -> list[Rule]:
    """A stored role's rules (its ``rules`` as given, its ``targets`` resolved to user IDs,
    both JSON) as evaluation reads them."""
    return [
        Rule(rule["ImpersonationRuleId"], rule.get("Name"), rule["Effect"], ids["TargetUsers"], ids["NotTargetUsers"])
        for rule, ids in zip(orjson.loads(rules), orjson.loads(targets))
    ]


def matches(rule: Rule, target_user_id: str) -> bool:
    """Whether ``rule`` applies to impersonating that user."""
    if rule.target_ids and target_user_id not in rule.target_ids:
        return False
    return not (rule.not_target_ids and target_user_id in rule.not_target_ids)


def evaluate(rules: Iterable[Rule], target_user_id: str) -> tuple[str, list[dict[str, Any]]]:
    """``(Effect, MatchedRules)`` for impersonating ``target_user_id``."""
    return combine(
        (rule.effect, {"ImpersonationRuleId": rule.rule_id, "Name": rule.name})
        for rule in rules if matches(rule, target_user_id)
    )


def expired(expires_at: float, now: float) -> bool:
    """Whether a token issued to expire at ``expires_at`` no longer works at ``now``."""
    return now >= expires_at
