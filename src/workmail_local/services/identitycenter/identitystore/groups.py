"""Identity-store groups: CreateGroup, DescribeGroup, ListGroups, GetGroupId, UpdateGroup, DeleteGroup.

Display names are unique in the store, case-insensitively (a group without one is
allowed, as the model allows it). Deleting a group removes its memberships.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter import directory
from workmail_local.services.identitycenter.identitystore import attributes
from workmail_local.services.identitycenter.identitystore.api import errors, handlers
from workmail_local.services.identitycenter.identitystore.stores import (
    actor,
    check_not_reserved,
    check_revision,
    page,
    require_group,
    require_identity_store,
)
from workmail_local.store import Row

UPDATABLE = attributes.writable_attributes("CreateGroupRequest", frozenset({"IdentityStoreId"}))


def check_group(ctx: RequestContext, store_id: str, display_name: str | None, group_id: str | None) -> None:
    """No reserved display name, and none another group of the store has."""
    if display_name is None:
        return
    check_not_reserved(display_name)
    same = directory.find_group_by_name(ctx.tx, store_id, display_name)
    if same is not None and same["group_id"] != group_id:
        raise errors.ConflictException("Duplicate GroupDisplayName", Reason="UNIQUENESS_CONSTRAINT_VIOLATION")


def group_view(ctx: RequestContext, row: Row) -> dict[str, Any]:
    """A group as DescribeGroup and ListGroups answer it."""
    return {
        "IdentityStoreId": row["identity_store_id"],
        "GroupId": row["group_id"],
        "GroupArn": directory.resource_arn(ctx.region, directory.GROUP, row["group_id"]),
        "Revision": str(row["revision"]),
        "DisplayName": row["display_name"],
        "Description": row["description"],
        "CreatedAt": row["created_at"],
        "CreatedBy": row["created_by"],
        "UpdatedAt": row["updated_at"],
        "UpdatedBy": row["updated_by"],
    }


def _identity(ctx: RequestContext, store_id: str, group_id: str, revision: int) -> dict[str, Any]:
    """What CreateGroup and UpdateGroup answer."""
    return {
        "IdentityStoreId": store_id,
        "GroupId": group_id,
        "GroupArn": directory.resource_arn(ctx.region, directory.GROUP, group_id),
        "Revision": str(revision),
    }


def _key(display_name: str | None) -> str | None:
    return None if display_name is None else directory.fold(display_name)


@handlers("CreateGroup")
def create_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    name = params.get("DisplayName")
    check_group(ctx, store_id, name, None)
    group_id = directory.new_resource_id(store_id)
    by = actor(ctx)
    ctx.tx.execute(
        "INSERT INTO idc_groups (identity_store_id, group_id, display_name, display_name_key, description, revision,"
        " created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        (store_id, group_id, name, _key(name), params.get("Description"), ctx.now, by, ctx.now, by),
    )
    return _identity(ctx, store_id, group_id, 1)


@handlers("DescribeGroup")
def describe_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    return group_view(ctx, require_group(ctx, store_id, params["GroupId"]))


@handlers("ListGroups")
def list_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    name_key = None
    for item in params.get("Filters", []):
        if item["AttributePath"].casefold() != "displayname":
            raise errors.ValidationException(
                f"Filtering by {item['AttributePath']} is not supported: ListGroups filters only by DisplayName."
            )
        name_key = directory.fold(item["AttributeValue"])
    where = "identity_store_id = ?" + (" AND display_name_key = ?" if name_key is not None else "")
    scope = (store_id,) if name_key is None else (store_id, name_key)
    rows, next_token = page(ctx, params, "idc_groups", where, scope, "group_id")
    return {"Groups": [group_view(ctx, r) for r in rows], "NextToken": next_token}


@handlers("GetGroupId")
def get_group_id(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    identifier = params["AlternateIdentifier"]
    row = None
    if "UniqueAttribute" in identifier:
        path = identifier["UniqueAttribute"]["AttributePath"]
        value = identifier["UniqueAttribute"]["AttributeValue"]
        if path.casefold() != "displayname":
            raise errors.ValidationException(f"{path} is not a unique attribute of groups: use displayName.")
        if not isinstance(value, str):
            raise errors.ValidationException(f"The value of the unique attribute {path} must be a string.")
        row = directory.find_group_by_name(ctx.tx, store_id, value)
    # Groups created through this API carry no external IDs, so an ExternalId matches none.
    if row is None:
        raise errors.ResourceNotFoundException("No group matches the alternate identifier.", ResourceType="GROUP")
    return {
        "IdentityStoreId": store_id,
        "GroupId": row["group_id"],
        "GroupArn": directory.resource_arn(ctx.region, directory.GROUP, row["group_id"]),
    }


@handlers("UpdateGroup")
def update_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    row = require_group(ctx, store_id, params["GroupId"])
    check_revision(params.get("Revision"), row, directory.GROUP, params["GroupId"])
    doc = {k: v for k, v in (("DisplayName", row["display_name"]), ("Description", row["description"])) if v}
    for i, op in enumerate(params["Operations"], 1):
        attribute = UPDATABLE.get(op["AttributePath"].casefold())
        if attribute is None:
            raise attributes.unknown_path(op["AttributePath"])
        value = op.get("AttributeValue")
        where = f"operations.{i}.member.attributeValue"
        checked = None if value is None else attributes.checked_value(value, attribute, where)
        attributes.apply(doc, attribute, checked)
    name = doc.get("DisplayName")
    check_group(ctx, store_id, name, row["group_id"])
    revision = row["revision"] + 1
    ctx.tx.execute(
        "UPDATE idc_groups SET display_name = ?, display_name_key = ?, description = ?, revision = ?,"
        " updated_at = ?, updated_by = ? WHERE identity_store_id = ? AND group_id = ?",
        (name, _key(name), doc.get("Description"), revision, ctx.now, actor(ctx), store_id, row["group_id"]),
    )
    return _identity(ctx, store_id, row["group_id"], revision)


@handlers("DeleteGroup")
def delete_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    row = require_group(ctx, store_id, params["GroupId"])
    check_revision(params.get("Revision"), row, directory.GROUP, params["GroupId"])
    directory.delete_principal(ctx.tx, store_id, directory.GROUP_PRINCIPAL, row["group_id"])
    ctx.tx.execute("DELETE FROM idc_groups WHERE identity_store_id = ? AND group_id = ?", (store_id, row["group_id"]))
    return {}
