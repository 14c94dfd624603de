"""Group memberships: CreateGroupMembership, DescribeGroupMembership, DeleteGroupMembership,
ListGroupMemberships, ListGroupMembershipsForMember, GetGroupMembershipId, IsMemberInGroups.

Members are users (the model's MemberId has only UserId); a user is in a group at most once.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter import directory
from workmail_local.services.identitycenter.identitystore.api import errors, handlers
from workmail_local.services.identitycenter.identitystore.stores import (
    actor,
    not_found,
    page,
    require_group,
    require_identity_store,
    require_user,
    resource_id,
)
from workmail_local.store import Row


def membership_view(ctx: RequestContext, row: Row) -> dict[str, Any]:
    """A membership as DescribeGroupMembership and the list operations answer it."""
    return {
        "IdentityStoreId": row["identity_store_id"],
        "MembershipId": row["membership_id"],
        "MembershipArn": directory.resource_arn(ctx.region, directory.MEMBERSHIP, row["membership_id"]),
        "GroupId": row["group_id"],
        "MemberId": {"UserId": row["user_id"]},
        "CreatedAt": row["created_at"],
        "CreatedBy": row["created_by"],
        "UpdatedAt": row["updated_at"],
        "UpdatedBy": row["updated_by"],
    }


def _identity(ctx: RequestContext, row: Row) -> dict[str, Any]:
    return {
        "IdentityStoreId": row["identity_store_id"],
        "MembershipId": row["membership_id"],
        "MembershipArn": directory.resource_arn(ctx.region, directory.MEMBERSHIP, row["membership_id"]),
    }


def _require_membership(ctx: RequestContext, store_id: str, given: str) -> Row:
    row = directory.find_membership(ctx.tx, store_id, resource_id(given, directory.MEMBERSHIP))
    if row is None:
        raise not_found(directory.MEMBERSHIP, given)
    return row


@handlers("CreateGroupMembership")
def create_group_membership(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    group = require_group(ctx, store_id, params["GroupId"])
    user = require_user(ctx, store_id, params["MemberId"]["UserId"])
    if directory.find_membership_of(ctx.tx, store_id, group["group_id"], user["user_id"]) is not None:
        raise errors.ConflictException(
            f"User {user['user_id']} is already a member of group {group['group_id']}.",
            Reason="UNIQUENESS_CONSTRAINT_VIOLATION",
        )
    membership_id = directory.new_resource_id(store_id)
    by = actor(ctx)
    ctx.tx.execute(
        "INSERT INTO idc_group_memberships (identity_store_id, membership_id, group_id, user_id,"
        " created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (store_id, membership_id, group["group_id"], user["user_id"], ctx.now, by, ctx.now, by),
    )
    return _identity(ctx, directory.find_membership(ctx.tx, store_id, membership_id))


@handlers("DescribeGroupMembership")
def describe_group_membership(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    return membership_view(ctx, _require_membership(ctx, store_id, params["MembershipId"]))


@handlers("DeleteGroupMembership")
def delete_group_membership(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    row = _require_membership(ctx, store_id, params["MembershipId"])
    ctx.tx.execute(
        "DELETE FROM idc_group_memberships WHERE identity_store_id = ? AND membership_id = ?",
        (store_id, row["membership_id"]),
    )
    return {}


def _list(ctx: RequestContext, params: dict[str, Any], store_id: str, column: str, value: str) -> dict[str, Any]:
    """One page of the memberships of a group or of a user, oldest first."""
    where = f"identity_store_id = ? AND {column} = ?"
    rows, next_token = page(ctx, params, "idc_group_memberships", where, (store_id, value), "membership_id")
    return {"GroupMemberships": [membership_view(ctx, r) for r in rows], "NextToken": next_token}


@handlers("ListGroupMemberships")
def list_group_memberships(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    group = require_group(ctx, store_id, params["GroupId"])
    return _list(ctx, params, store_id, "group_id", group["group_id"])


@handlers("ListGroupMembershipsForMember")
def list_group_memberships_for_member(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    user = require_user(ctx, store_id, params["MemberId"]["UserId"])
    return _list(ctx, params, store_id, "user_id", user["user_id"])


@handlers("GetGroupMembershipId")
def get_group_membership_id(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    group = require_group(ctx, store_id, params["GroupId"])
    user = require_user(ctx, store_id, params["MemberId"]["UserId"])
    row = directory.find_membership_of(ctx.tx, store_id, group["group_id"], user["user_id"])
    if row is None:
        raise errors.ResourceNotFoundException(
            f"User {user['user_id']} is not a member of group {group['group_id']}.", ResourceType="GROUP_MEMBERSHIP"
        )
    return _identity(ctx, row)


@handlers("IsMemberInGroups")
def is_member_in_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    user = require_user(ctx, store_id, params["MemberId"]["UserId"])
    member_of = set(directory.groups_of_user(ctx.tx, store_id, user["user_id"]))
    # A group that does not exist has no members: it answers false rather than an error.
    return {
        "Results": [
            {
                "GroupId": group_id,
                "MemberId": {"UserId": user["user_id"]},
                "MembershipExists": resource_id(group_id, directory.GROUP) in member_of,
            }
            for group_id in params["GroupIds"]
        ]
    }
