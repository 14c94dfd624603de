"""The access policies a login must pass once its credentials are good.

:func:`admit` is the one call the authentication decision makes after the credential
check: it reads the organization's access control rules (one indexed SELECT: for an
organization with only the default rule, one row without conditions) and evaluates
them with the login's protocol, client address and user; ActiveSync logins then pass
the mobile device access rules, or the user's override for the device. The evaluation
itself is pure (``access_rules``, ``mobile_rules``); this module only reads the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from workmail_local.mailbox_auth import access_rules, mobile_rules
from workmail_local.mailbox_auth.effects import DENY
from workmail_local.store import Row, Tx

ACCESS_CONTROL_RULE_DENIED = "ACCESS_CONTROL_RULE_DENIED"
MOBILE_DEVICE_ACCESS_DENIED = "MOBILE_DEVICE_ACCESS_DENIED"

# The authentication decision's protocols → access control rule actions (the rest are the same).
ACTIONS_OF_PROTOCOLS = {"WEB": "WebMail"}


def conditions_of(row: Row) -> dict[str, list[str]]:
    """A stored rule's non-empty condition lists."""
    return orjson.loads(row["conditions"]) if row["conditions"] else {}


def access_control_rules(tx: Tx, organization_id: str) -> list[access_rules.Rule]:
    """The organization's access control rules, in creation order."""
    rows = tx.all("SELECT name, effect, conditions FROM access_control_rules WHERE organization_id = ?"
                  " ORDER BY ordinal", (organization_id,))
    return [access_rules.Rule(r["name"], r["effect"], conditions_of(r)) for r in rows]


def mobile_device_rules(tx: Tx, organization_id: str) -> list[mobile_rules.Rule]:
    """The organization's mobile device access rules, in creation order."""
    rows = tx.all("SELECT id, name, effect, conditions FROM mobile_device_access_rules WHERE organization_id = ?"
                  " ORDER BY ordinal", (organization_id,))
    return [mobile_rules.Rule(r["id"], r["name"], r["effect"], conditions_of(r)) for r in rows]


def device_override(tx: Tx, organization_id: str, user_id: str, device_id: str) -> str | None:
    """The effect of the user's override for that device, if there is one."""
    return tx.value("SELECT effect FROM mobile_device_access_overrides"
                    " WHERE organization_id = ? AND user_id = ? AND device_key = ?",
                    (organization_id, user_id, device_id.lower()))


def admit(tx: Tx, organization_id: str, user_id: str | None, protocol: str, source_ip: str | None = None,
          device: Mapping[str, str | None] | None = None, role_id: str | None = None) -> dict[str, Any]:
    """The fields an allowed :class:`~workmail_local.mailbox_auth.decision.Decision` takes
    on after the access policies: ``matched_rules`` when they allow, or also
    ``authenticated=False`` and the refusal's ``reason`` when they deny."""
    request = access_rules.Request(ACTIONS_OF_PROTOCOLS.get(protocol, protocol), source_ip, user_id, role_id)
    effect, matched = access_rules.evaluate(access_control_rules(tx, organization_id), request)
    if effect == DENY:
        return {"authenticated": False, "reason": ACCESS_CONTROL_RULE_DENIED, "matched_rules": tuple(matched)}
    if protocol == "ActiveSync" and user_id is not None:
        device = device or {}
        device_id = device.get("DeviceId")
        override = device_override(tx, organization_id, user_id, device_id) if device_id else None
        device_effect, device_matched = mobile_rules.decide(override, mobile_device_rules(tx, organization_id),
                                                            device)
        if device_effect == DENY:
            return {"authenticated": False, "reason": MOBILE_DEVICE_ACCESS_DENIED,
                    "mobile_device_rules": tuple(device_matched), "mobile_device_override": override}
        return {"matched_rules": tuple(matched), "mobile_device_rules": tuple(device_matched),
                "mobile_device_override": override}
    return {"matched_rules": tuple(matched)}
