"""Access control rules: which protocols, client addresses, users and impersonation roles
may reach the organization's mailboxes (Put, Delete, List, GetAccessControlEffect).

A rule is keyed by its name; Put creates or replaces it (a replaced rule keeps its
DateCreated and its place in the list). Every new organization has the ``default``
rule exactly as WorkMail lists it; it can be replaced or deleted, and with no rules at
all every mailbox access is denied. Evaluation is ``mailbox_auth.access_rules``, the
same function every login runs (``mailbox_auth.policy``).
"""

from __future__ import annotations

from typing import Any

import orjson

from workmail_local.context import RequestContext
from workmail_local.mailbox_auth import access_rules
from workmail_local.mailbox_auth.policy import access_control_rules, conditions_of
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.impersonation_roles import require_role
from workmail_local.services.workmail.organizations import (
    on_organization_create,
    on_organization_delete,
    require_active_organization,
)
from workmail_local.store import Row

RULES_PER_ORGANIZATION = 10  # the default rule included (ListAccessControlRules holds at most 10)
DEFAULT_RULE = {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}


@on_organization_create
def add_default_rule(ctx: RequestContext, organization_id: str) -> None:
    """Every organization starts with the rule that allows everything, dated epoch 0."""
    ctx.tx.execute(
        "INSERT INTO access_control_rules (organization_id, name, effect, description, conditions, ordinal,"
        " created_at, modified_at) VALUES (?, ?, ?, ?, NULL, 1, 0, 0)",
        (organization_id, DEFAULT_RULE["Name"], DEFAULT_RULE["Effect"], DEFAULT_RULE["Description"]),
    )


def require_user_id(ctx: RequestContext, organization_id: str, identifier: str) -> str:
    """The ID of the organization's (not deleted) user ``identifier`` names, or ``EntityNotFoundException``."""
    user = entities.find(ctx, organization_id, identifier, (entities.USER,))
    if user is None or user.state == "DELETED":
        raise errors.EntityNotFoundException(f"The user {identifier} was not found in organization {organization_id}.")
    return user.id


def _conditions(ctx: RequestContext, organization_id: str, params: dict[str, Any]) -> dict[str, list[str]]:
    """The request's non-empty condition lists, checked; users stored by ID."""
    conditions = {name: list(params[name]) for name in access_rules.CONDITIONS if params.get(name)}
    for name in ("Actions", "NotActions"):
        for action in conditions.get(name, ()):
            if action not in access_rules.ACTIONS:
                raise errors.InvalidParameterException(
                    f"Invalid action {action} in {name}: must be one of {', '.join(access_rules.ACTIONS)}."
                )
    for name in ("UserIds", "NotUserIds"):
        if name in conditions:
            conditions[name] = [require_user_id(ctx, organization_id, u) for u in conditions[name]]
    for name in ("ImpersonationRoleIds", "NotImpersonationRoleIds"):
        for role_id in conditions.get(name, ()):
            require_role(ctx, organization_id, role_id)
    return conditions


@handlers("PutAccessControlRule")
def put_access_control_rule(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Create the rule, or replace the one with that name."""
    org = require_active_organization(ctx, params["OrganizationId"])
    conditions = _conditions(ctx, org["id"], params)
    stored = orjson.dumps(conditions).decode() if conditions else None
    existing = ctx.tx.one("SELECT name FROM access_control_rules WHERE organization_id = ? AND name = ?",
                          (org["id"], params["Name"]))
    if existing is not None:
        ctx.tx.execute(
            "UPDATE access_control_rules SET effect = ?, description = ?, conditions = ?, modified_at = ?"
            " WHERE organization_id = ? AND name = ?",
            (params["Effect"], params["Description"], stored, ctx.now, org["id"], params["Name"]),
        )
        return
    counted = ctx.tx.one("SELECT COUNT(*) AS n, MAX(ordinal) AS last_ordinal FROM access_control_rules"
                         " WHERE organization_id = ?", (org["id"],))
    if counted["n"] >= RULES_PER_ORGANIZATION:
        raise errors.LimitExceededException(
            f"Organization {org['id']} already has {RULES_PER_ORGANIZATION} access control rules, the most it may have."
        )
    ctx.tx.execute(
        "INSERT INTO access_control_rules (organization_id, name, effect, description, conditions, ordinal,"
        " created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (org["id"], params["Name"], params["Effect"], params["Description"], stored, (counted["last_ordinal"] or 0) + 1,
         ctx.now, ctx.now),
    )


@handlers("DeleteAccessControlRule")
def delete_access_control_rule(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete the rule of that name; an unknown name is a success."""
    org = require_active_organization(ctx, params["OrganizationId"])
    ctx.tx.execute("DELETE FROM access_control_rules WHERE organization_id = ? AND name = ?",
                   (org["id"], params["Name"]))


def _rule(row: Row) -> dict[str, Any]:
    # Unset condition lists are left out, as WorkMail lists them.
    return {"Name": row["name"], "Effect": row["effect"], "Description": row["description"], **conditions_of(row),
            "DateCreated": row["created_at"], "DateModified": row["modified_at"]}


@handlers("ListAccessControlRules")
def list_access_control_rules(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Every rule of the organization, in creation order."""
    org = require_active_organization(ctx, params["OrganizationId"])
    rows = ctx.tx.all("SELECT * FROM access_control_rules WHERE organization_id = ? ORDER BY ordinal", (org["id"],))
    return {"Rules": [_rule(r) for r in rows]}


@handlers("GetAccessControlEffect")
def get_access_control_effect(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The effect the rules have on one request: a user's, or an impersonation role's (EWS only)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    action, user_id, role_id = params["Action"], params.get("UserId"), params.get("ImpersonationRoleId")
    if action not in access_rules.ACTIONS:
        raise errors.InvalidParameterException(
            f"Invalid action {action}: must be one of {', '.join(access_rules.ACTIONS)}."
        )
    if (user_id is None) == (role_id is None):
        raise errors.InvalidParameterException("Give exactly one of UserId and ImpersonationRoleId.")
    if role_id is not None:
        if action != "EWS":
            raise errors.InvalidParameterException("ImpersonationRoleId can only be evaluated with the action EWS.")
        role_id = require_role(ctx, org["id"], role_id)["id"]
    else:
        user_id = require_user_id(ctx, org["id"], user_id)
    request = access_rules.Request(action, params["IpAddress"], user_id, role_id)
    effect, matched = access_rules.evaluate(access_control_rules(ctx.tx, org["id"]), request)
    return {"Effect": effect, "MatchedRules": matched}


@on_organization_delete
def delete_access_policies(ctx: RequestContext, org: Row, params: dict[str, Any]) -> None:
    """A deleted organization's rules, overrides, impersonation roles and their tokens go with it."""
    for table in ("access_control_rules", "mobile_device_access_rules", "mobile_device_access_overrides",
                  "impersonation_roles", "impersonation_tokens"):
        ctx.tx.execute(f"DELETE FROM {table} WHERE organization_id = ?", (org["id"],))  # noqa: S608 - our names
