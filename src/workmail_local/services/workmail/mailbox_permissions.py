"""Mailbox permissions: PutMailboxPermissions, DeleteMailboxPermissions, ListMailboxPermissions.

A grant is one row per (mailbox owner, grantee) holding the grantee's whole set of
permission values, de-duplicated and in the model's enum order. Owners are users and
resources (their mailboxes) and groups — for SEND_AS and SEND_ON_BEHALF only: a group has
no mailbox to give FULL_ACCESS to. Grantees are users and groups (``GranteeType`` has no
RESOURCE). Deleting an owner or a grantee removes its grants (``lifecycle.remove_relations``).
"""

from __future__ import annotations

from typing import Any

import orjson

from workmail_local.context import RequestContext
from workmail_local.protocol.model import load_service
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import GROUP, MEMBERS, Entity
from workmail_local.services.workmail.organizations import require_active_organization
from workmail_local.store import Row

# FULL_ACCESS, SEND_AS, SEND_ON_BEHALF: the order grants are stored and answered in.
PERMISSIONS: tuple[str, ...] = tuple(load_service("workmail").model.shape_for("PermissionType").enum)


def _owner_and_grantee(ctx: RequestContext, params: dict[str, Any]) -> tuple[Entity, Entity]:
    """The mailbox owner and the grantee (ID, name or email each), neither of them DELETED."""
    org = require_active_organization(ctx, params["OrganizationId"])
    owner = entities.require(ctx, org["id"], params["EntityId"])
    # Looked up among every kind, so that a resource is told it cannot be a grantee.
    grantee = entities.require(ctx, org["id"], params["GranteeId"])
    for entity in (owner, grantee):
        entities.require_not_deleted(entity)
    return owner, grantee


@handlers("PutMailboxPermissions")
def put_mailbox_permissions(ctx: RequestContext, params: dict[str, Any]) -> None:
    owner, grantee = _owner_and_grantee(ctx, params)
    if grantee.kind not in MEMBERS:
        raise errors.InvalidParameterException(
            f"The {grantee.kind.noun} {grantee.id} cannot be granted mailbox permissions; "
            "grantees are users and groups."
        )
    if grantee.id == owner.id:
        raise errors.InvalidParameterException(
            f"The {owner.kind.noun} {owner.id} cannot be granted permissions on its own mailbox."
        )
    given = set(params["PermissionValues"])
    if owner.kind is GROUP and "FULL_ACCESS" in given:
        raise errors.InvalidParameterException(
            f"FULL_ACCESS cannot be granted on group {owner.id}: groups have no mailbox "
            "(SEND_AS and SEND_ON_BEHALF can be granted)."
        )
    values = [p for p in PERMISSIONS if p in given]
    if not values:  # the grantee's set is replaced by nothing: no grant remains
        _delete(ctx, owner, grantee)
        return
    stored = orjson.dumps(values).decode()
    if not ctx.tx.execute("UPDATE mailbox_permissions SET permission_values = ? WHERE owner_id = ? AND grantee_id = ?",
                          (stored, owner.id, grantee.id)):
        ctx.tx.execute(
            "INSERT INTO mailbox_permissions (owner_id, grantee_id, grantee_type, organization_id, permission_values,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (owner.id, grantee.id, grantee.kind.type, owner["organization_id"], stored, ctx.now),
        )


def _delete(ctx: RequestContext, owner: Entity, grantee: Entity) -> None:
    ctx.tx.execute("DELETE FROM mailbox_permissions WHERE owner_id = ? AND grantee_id = ?", (owner.id, grantee.id))


@handlers("DeleteMailboxPermissions")
def delete_mailbox_permissions(ctx: RequestContext, params: dict[str, Any]) -> None:
    owner, grantee = _owner_and_grantee(ctx, params)
    _delete(ctx, owner, grantee)  # no grant to remove is no error


def _permission(row: Row) -> dict[str, Any]:
    return {"GranteeId": row["grantee_id"], "GranteeType": row["grantee_type"],
            "PermissionValues": orjson.loads(row["permission_values"])}


@handlers("ListMailboxPermissions")
def list_mailbox_permissions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    # No EntityStateException is modelled here: a deleted owner simply has no grants left.
    owner = entities.require(ctx, org["id"], params["EntityId"])
    rows, next_token = ctx.page(params, "SELECT grantee_id, grantee_type, permission_values, created_at"
                                " FROM mailbox_permissions", "owner_id = ?", [owner.id], ("created_at", "grantee_id"))
    return {"Permissions": [_permission(r) for r in rows], "NextToken": next_token}
