"""Mobile device access rules: which ActiveSync devices may sync (Create, Update, Delete,
List, GetMobileDeviceAccessEffect). Per-user device overrides are ``mobile_device_overrides``.

Rules are addressed by a generated ID (a UUID); names need not be unique. Every new
organization has one rule allowing every device (``default``, described as WorkMail's
default access control rule is, dated epoch 0); it can be updated or deleted, and with
no rules at all every device is refused. Update replaces every condition list (an
omitted list is cleared). Evaluation is ``mailbox_auth.mobile_rules``, the same
function ActiveSync logins run (``mailbox_auth.policy``); GetMobileDeviceAccessEffect
has no user or device ID, so it evaluates the rules alone, never the overrides.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from workmail_local.context import RequestContext
from workmail_local.mailbox_auth import mobile_rules
from workmail_local.mailbox_auth.policy import conditions_of, mobile_device_rules
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.organizations import on_organization_create, require_active_organization
from workmail_local.store import Row

RULES_PER_ORGANIZATION = 10  # ListMobileDeviceAccessRules holds at most 10
DEFAULT_RULE = {"Name": "default", "Description": "Default WorkMail Rule", "Effect": "ALLOW"}


def _insert(ctx: RequestContext, organization_id: str, rule_id: str, params: dict[str, Any], conditions: str | None,
            at: float) -> None:
    last = ctx.tx.value("SELECT MAX(ordinal) FROM mobile_device_access_rules WHERE organization_id = ?",
                        (organization_id,))
    ctx.tx.execute(
        "INSERT INTO mobile_device_access_rules (organization_id, id, name, description, effect, conditions,"
        " ordinal, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (organization_id, rule_id, params["Name"], params.get("Description"), params["Effect"], conditions,
         (last or 0) + 1, at, at),
    )


@on_organization_create
def add_default_rule(ctx: RequestContext, organization_id: str) -> None:
    """Every organization starts with a rule that lets every device sync."""
    _insert(ctx, organization_id, str(uuid.uuid4()), DEFAULT_RULE, None, 0)


def _conditions(params: dict[str, Any]) -> str | None:
    """The request's non-empty condition lists as stored (``None``: no conditions)."""
    conditions = {name: params[name] for name in mobile_rules.CONDITIONS if params.get(name)}
    return orjson.dumps(conditions).decode() if conditions else None


@handlers("CreateMobileDeviceAccessRule")
def create_mobile_device_access_rule(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A new rule (a replayed ClientToken answers the first rule's ID, see ``idempotency``)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    count = ctx.tx.value("SELECT COUNT(*) FROM mobile_device_access_rules WHERE organization_id = ?", (org["id"],))
    if count >= RULES_PER_ORGANIZATION:
        raise errors.LimitExceededException(
            f"Organization {org['id']} already has {RULES_PER_ORGANIZATION} mobile device access rules, "
            "the most it may have."
        )
    rule_id = str(uuid.uuid4())
    _insert(ctx, org["id"], rule_id, params, _conditions(params), ctx.now)
    return {"MobileDeviceAccessRuleId": rule_id}


@handlers("UpdateMobileDeviceAccessRule")
def update_mobile_device_access_rule(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Replace the rule's name, description, effect and every condition list."""
    org = require_active_organization(ctx, params["OrganizationId"])
    key = (org["id"], params["MobileDeviceAccessRuleId"])
    if ctx.tx.one("SELECT id FROM mobile_device_access_rules WHERE organization_id = ? AND id = ?", key) is None:
        raise errors.EntityNotFoundException(
            f"The mobile device access rule {key[1]} was not found in organization {key[0]}."
        )
    ctx.tx.execute(
        "UPDATE mobile_device_access_rules SET name = ?, description = ?, effect = ?, conditions = ?,"
        " modified_at = ? WHERE organization_id = ? AND id = ?",
        (params["Name"], params.get("Description"), params["Effect"], _conditions(params), ctx.now, *key),
    )


@handlers("DeleteMobileDeviceAccessRule")
def delete_mobile_device_access_rule(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete the rule; an unknown rule is a success."""
    org_id = require_active_organization(ctx, params["OrganizationId"])["id"]
    ctx.tx.execute("DELETE FROM mobile_device_access_rules WHERE organization_id = ? AND id = ?",
                   (org_id, params["MobileDeviceAccessRuleId"]))


def _rule(row: Row) -> dict[str, Any]:
    return {"MobileDeviceAccessRuleId": row["id"], "Name": row["name"], "Description": row["description"],
            "Effect": row["effect"], **conditions_of(row), "DateCreated": row["created_at"],
            "DateModified": row["modified_at"]}


@handlers("ListMobileDeviceAccessRules")
def list_mobile_device_access_rules(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Every rule of the organization, in creation order."""
    org = require_active_organization(ctx, params["OrganizationId"])
    rows = ctx.tx.all("SELECT * FROM mobile_device_access_rules WHERE organization_id = ? ORDER BY ordinal",
                      (org["id"],))
    return {"Rules": [_rule(r) for r in rows]}


@handlers("GetMobileDeviceAccessEffect")
def get_mobile_device_access_effect(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The effect the rules have on a device reporting these properties (overrides not consulted)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    effect, matched = mobile_rules.evaluate(mobile_device_rules(ctx.tx, org["id"]), params)
    return {"Effect": effect, "MatchedRules": matched}
