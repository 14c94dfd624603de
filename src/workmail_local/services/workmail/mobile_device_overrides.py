"""Mobile device access overrides: one user's device allowed or denied whatever the rules
say (Put, Get, Delete, List).

Keyed by (user, device ID); device IDs compare case-insensitively and are shown as the
last Put wrote them. The device need not have connected yet (an MDM grants access before
the phone is set up). Put upserts; deleting a user removes their overrides
(``lifecycle.remove_relations``).
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.organizations import require_active_organization
from workmail_local.store import Row

_KEY = "organization_id = ? AND user_id = ? AND device_key = ?"


def _user(ctx: RequestContext, organization_id: str, identifier: str) -> entities.Entity:
    return entities.require(ctx, organization_id, identifier, (entities.USER,))


def _override(row: Row) -> dict[str, Any]:
    return {"UserId": row["user_id"], "DeviceId": row["device_id"], "Effect": row["effect"],
            "Description": row["description"], "DateCreated": row["created_at"], "DateModified": row["modified_at"]}


@handlers("PutMobileDeviceAccessOverride")
def put_mobile_device_access_override(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Create the user's override for the device, or replace it (DateCreated kept)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    user = _user(ctx, org["id"], params["UserId"])
    entities.require_not_deleted(user)
    device_id = params["DeviceId"]
    key = (org["id"], user.id, device_id.lower())
    changed = ctx.tx.execute(
        f"UPDATE mobile_device_access_overrides SET device_id = ?, effect = ?, description = ?, modified_at = ?"
        f" WHERE {_KEY}",
        (device_id, params["Effect"], params.get("Description"), ctx.now, *key),
    )
    if not changed:
        ctx.tx.execute(
            "INSERT INTO mobile_device_access_overrides (organization_id, user_id, device_key, device_id, effect,"
            " description, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*key, device_id, params["Effect"], params.get("Description"), ctx.now, ctx.now),
        )


def _key(ctx: RequestContext, params: dict[str, Any]) -> tuple[str, str, str]:
    """``(organization, user ID, device key)`` of the override a request names."""
    org = require_active_organization(ctx, params["OrganizationId"])
    return org["id"], _user(ctx, org["id"], params["UserId"]).id, params["DeviceId"].lower()


@handlers("GetMobileDeviceAccessOverride")
def get_mobile_device_access_override(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The user's override for the device; ``ResourceNotFoundException`` when there is none."""
    key = _key(ctx, params)
    row = ctx.tx.one(f"SELECT * FROM mobile_device_access_overrides WHERE {_KEY}", key)  # noqa: S608 - fixed SQL
    if row is not None:
        return _override(row)
    raise errors.ResourceNotFoundException(
        f"The user {key[1]} has no mobile device access override for the device {params['DeviceId']}."
    )


@handlers("DeleteMobileDeviceAccessOverride")
def delete_mobile_device_access_override(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete the override (the rules decide for that device again); none is a success."""
    ctx.tx.execute(f"DELETE FROM mobile_device_access_overrides WHERE {_KEY}", _key(ctx, params))  # noqa: S608


@handlers("ListMobileDeviceAccessOverrides")
def list_mobile_device_access_overrides(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The organization's overrides, oldest first, for one user and/or one device if given."""
    org = require_active_organization(ctx, params["OrganizationId"])
    where, args = "organization_id = ?", [org["id"]]
    if "UserId" in params:
        where, args = where + " AND user_id = ?", [*args, _user(ctx, org["id"], params["UserId"]).id]
    if "DeviceId" in params:
        where, args = where + " AND device_key = ?", [*args, params["DeviceId"].lower()]
    rows, next_token = ctx.page(params, "SELECT * FROM mobile_device_access_overrides", where, args,
                                ("created_at", "user_id", "device_key"),
                                [*args, "UserId" in params, "DeviceId" in params])
    return {"Overrides": [_override(r) for r in rows], "NextToken": next_token}
