"""Impersonation roles: which applications may act for which users over EWS (Create,
Update, Delete, Get, List, GetImpersonationRoleEffect, AssumeImpersonationRole).

A role's rules name target users by ID, email or name; they are echoed as given and
evaluated by the user IDs they named when the role was written (``targets``), so a
user renamed later is still the same target. AssumeImpersonationRole hands out a random
token, stored only as its hash, that works for :data:`TOKEN_LIFETIME` seconds on the
emulator's clock; deleting the role revokes its tokens. Evaluation is
``mailbox_auth.impersonation``, the same function impersonated EWS logins run.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.mailbox_auth import impersonation
from workmail_local.mailbox_auth.impersonation import TOKEN_LIFETIME
from workmail_local.mailbox_auth.tokens import token_hash
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.organizations import require_active_organization
from workmail_local.store import Row

ROLES_PER_ORGANIZATION = 20  # ListImpersonationRoles holds at most 20
TOKEN_PREFIX = "wmimp_"


def require_role(ctx: RequestContext, organization_id: str, role_id: str) -> Row:
    """The organization's impersonation role, or ``ResourceNotFoundException``."""
    row = ctx.tx.one("SELECT * FROM impersonation_roles WHERE organization_id = ? AND id = ?",
                     (organization_id, role_id))
    if row is None:
        raise errors.ResourceNotFoundException(
            f"The impersonation role {role_id} was not found in organization {organization_id}."
        )
    return row


def _target(ctx: RequestContext, organization_id: str, identifier: str) -> entities.Entity:
    """The user a target names: ``EntityNotFoundException`` if none, ``EntityStateException`` if deleted."""
    user = entities.require(ctx, organization_id, identifier, (entities.USER,))
    entities.require_not_deleted(user)
    return user


def _targets(ctx: RequestContext, organization_id: str, rules: list[dict[str, Any]]) -> list[dict[str, list[str]]]:
    """Each rule's target users as IDs; a rule ID may appear once per role."""
    seen: set[str] = set()
    resolved = []
    for rule in rules:
        if rule["ImpersonationRuleId"] in seen:
            raise errors.InvalidParameterException(
                f"The impersonation rule ID {rule['ImpersonationRuleId']} is given more than once."
            )
        seen.add(rule["ImpersonationRuleId"])
        resolved.append({name: [_target(ctx, organization_id, u).id for u in rule.get(name, ())]
                         for name in ("TargetUsers", "NotTargetUsers")})
    return resolved


@handlers("CreateImpersonationRole")
def create_impersonation_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A new role (a replayed ClientToken answers the first role, see ``idempotency``)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    targets = _targets(ctx, org["id"], params["Rules"])
    count = ctx.tx.value("SELECT COUNT(*) FROM impersonation_roles WHERE organization_id = ?", (org["id"],))
    if count >= ROLES_PER_ORGANIZATION:
        raise errors.LimitExceededException(
            f"Organization {org['id']} already has {ROLES_PER_ORGANIZATION} impersonation roles, the most it may have."
        )
    role_id = ids.entity_id()
    ctx.tx.execute(
        "INSERT INTO impersonation_roles (id, organization_id, name, role_type, description, rules, targets,"
        " created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (role_id, org["id"], params["Name"], params["Type"], params.get("Description"),
         orjson.dumps(params["Rules"]).decode(), orjson.dumps(targets).decode(), ctx.now, ctx.now),
    )
    return {"ImpersonationRoleId": role_id}


@handlers("UpdateImpersonationRole")
def update_impersonation_role(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Replace the role's name, type, description and rules (an omitted description is cleared)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    role = require_role(ctx, org["id"], params["ImpersonationRoleId"])
    targets = _targets(ctx, org["id"], params["Rules"])
    ctx.tx.execute(
        "UPDATE impersonation_roles SET name = ?, role_type = ?, description = ?, rules = ?, targets = ?,"
        " modified_at = ? WHERE id = ?",
        (params["Name"], params["Type"], params.get("Description"), orjson.dumps(params["Rules"]).decode(),
         orjson.dumps(targets).decode(), ctx.now, role["id"]),
    )


@handlers("DeleteImpersonationRole")
def delete_impersonation_role(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete the role and revoke its tokens; an unknown role is a success."""
    org = require_active_organization(ctx, params["OrganizationId"])
    role_id = params["ImpersonationRoleId"]
    ctx.tx.execute("DELETE FROM impersonation_tokens WHERE organization_id = ? AND role_id = ?", (org["id"], role_id))
    ctx.tx.execute("DELETE FROM impersonation_roles WHERE organization_id = ? AND id = ?", (org["id"], role_id))


def _summary(row: Row) -> dict[str, Any]:
    return {"ImpersonationRoleId": row["id"], "Name": row["name"], "Type": row["role_type"],
            "DateCreated": row["created_at"], "DateModified": row["modified_at"]}


@handlers("GetImpersonationRole")
def get_impersonation_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The role with its rules, as they were given."""
    org = require_active_organization(ctx, params["OrganizationId"])
    role = require_role(ctx, org["id"], params["ImpersonationRoleId"])
    return {**_summary(role), "Description": role["description"], "Rules": orjson.loads(role["rules"])}


@handlers("ListImpersonationRoles")
def list_impersonation_roles(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The organization's roles, oldest first, without their rules."""
    org = require_active_organization(ctx, params["OrganizationId"])
    rows, next_token = ctx.page(params, "SELECT * FROM impersonation_roles", "organization_id = ?", [org["id"]],
                                ("created_at", "id"))
    return {"Roles": [_summary(r) for r in rows], "NextToken": next_token}


@handlers("GetImpersonationRoleEffect")
def get_impersonation_role_effect(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Whether the role may impersonate the target user, and which rules say so."""
    org = require_active_organization(ctx, params["OrganizationId"])
    role = require_role(ctx, org["id"], params["ImpersonationRoleId"])
    target = _target(ctx, org["id"], params["TargetUser"])
    effect, matched = impersonation.evaluate(impersonation.stored_rules(role["rules"], role["targets"]), target.id)
    return {"Type": role["role_type"], "Effect": effect, "MatchedRules": matched}


@handlers("AssumeImpersonationRole")
def assume_impersonation_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A token for the role's EWS access, valid for :data:`TOKEN_LIFETIME` seconds."""
    org = require_active_organization(ctx, params["OrganizationId"])
    role = require_role(ctx, org["id"], params["ImpersonationRoleId"])
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # Tokens long expired are only clutter (a day's grace: a late login still hears "expired").
    ctx.tx.execute("DELETE FROM impersonation_tokens WHERE role_id = ? AND expires_at < ?",
                   (role["id"], ctx.now - 86400))
    ctx.tx.execute(
        "INSERT INTO impersonation_tokens (token_hash, organization_id, role_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token_hash(token), org["id"], role["id"], ctx.now, ctx.now + TOKEN_LIFETIME),
    )
    return {"Token": token, "ExpiresIn": TOKEN_LIFETIME}
