"""Identity stores: ListIdentityStores, DescribeIdentityStore, UpdateIdentityStore — and the
look-ups every identitystore operation starts with (the caller's store, IDs given as ARNs,
not-found errors).

A store's network configuration (VPC endpoint requirement, allowed source VPCs and IP
ranges) is stored and shown as given; the emulator has no VPCs and does not enforce it.
"""

from __future__ import annotations

from typing import Any

import orjson
import regex

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.protocol.errors import ServiceError
from workmail_local.services.identitycenter import directory
from workmail_local.services.identitycenter.identitystore.api import errors, handlers
from workmail_local.services.identitycenter.instances import ensure_instance, find_identity_store
from workmail_local.store import Row

_STORE_ARN = regex.compile(r"^arn:aws[a-z-]*:identitystore::(\d{12}):identitystore/(.+)$")
_RESOURCE_ARN = regex.compile(r"^arn:aws[a-z-]*:identitystore:::(user|group|membership)/(.+)$")

# ResourceNotFoundException's ResourceType for each ARN kind.
RESOURCE_TYPES = {directory.USER: "USER", directory.GROUP: "GROUP", directory.MEMBERSHIP: "GROUP_MEMBERSHIP"}
RESERVED_NAMES = frozenset({"administrator", "awsadministrators"})
# NetworkConfiguration's lists, each of distinct values.
_NETWORK_LISTS = ("ApiRestrictSourceVpcs", "ApiAllowSourceIps", "ScimAllowSourceIps")
_NOUNS = {directory.USER: "User", directory.GROUP: "Group", directory.MEMBERSHIP: "Group membership"}


def not_found(kind: str, resource_id: str) -> ServiceError:
    """ResourceNotFoundException for a user, group or membership, with the model's ResourceType and ResourceId."""
    return errors.ResourceNotFoundException(
        f"{_NOUNS[kind]} {resource_id} was not found.", ResourceType=RESOURCE_TYPES[kind], ResourceId=resource_id
    )


def require_identity_store(ctx: RequestContext, given: str) -> str:
    """The caller's identity store ID, given as an ID or an ARN; any other store is not found."""
    store_id = given
    arn = _STORE_ARN.search(given)
    if arn is not None:
        store_id = arn.group(2) if arn.group(1) == ctx.account else ""
    if not store_id or find_identity_store(ctx.tx, ctx.account, ctx.region, store_id) is None:
        raise errors.ResourceNotFoundException(
            f"Identity store {given} was not found.", ResourceType="IDENTITY_STORE", ResourceId=given
        )
    return store_id


def resource_id(given: str, kind: str) -> str:
    """A user, group or membership ID given as an ID or as its ARN (an ARN of another kind matches nothing)."""
    arn = _RESOURCE_ARN.search(given)
    if arn is None:
        return given
    return arn.group(2) if arn.group(1) == kind else ""


def require_user(ctx: RequestContext, store_id: str, given: str) -> Row:
    """The store's user (ID or ARN), or ResourceNotFoundException."""
    row = directory.find_user(ctx.tx, store_id, resource_id(given, directory.USER))
    if row is None:
        raise not_found(directory.USER, given)
    return row


def require_group(ctx: RequestContext, store_id: str, given: str) -> Row:
    """The store's group (ID or ARN), or ResourceNotFoundException."""
    row = directory.find_group(ctx.tx, store_id, resource_id(given, directory.GROUP))
    if row is None:
        raise not_found(directory.GROUP, given)
    return row


def check_revision(given: str | None, row: Row, kind: str, resource_id: str) -> None:
    """A conditional update or delete: the expected revision must be the current one."""
    if given is not None and given != str(row["revision"]):
        raise errors.ConflictException(
            f"{_NOUNS[kind]} {resource_id} is at revision {row['revision']}, not {given}.",
            Reason="CONCURRENT_MODIFICATION",
        )


def check_not_reserved(name: str) -> None:
    """User names and group display names may not be one of the reserved names."""
    if directory.fold(name) in RESERVED_NAMES:
        raise errors.ValidationException(
            "Administrator and AWSAdministrators are reserved names and can't be used for users or groups."
        )


def actor(ctx: RequestContext) -> str:
    """Who CreatedBy/UpdatedBy name: the calling account's root (the emulator knows no IAM principals)."""
    return f"arn:{ids.partition(ctx.region)}:iam::{ctx.account}:root"


def _summary(ctx: RequestContext, row: Row) -> dict[str, Any]:
    return {
        "IdentityStoreId": row["identity_store_id"],
        "IdentityStoreArn": directory.identity_store_arn(ctx.region, ctx.account, row["identity_store_id"]),
    }


def _network_configuration(given: dict[str, Any]) -> dict[str, Any]:
    """The configuration to store: the given members only (an omitted list is cleared), each list distinct."""
    for member in _NETWORK_LISTS:
        values = given.get(member, [])
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise errors.ValidationException(f"{member} lists {', '.join(repeated)} more than once.")
    return {member: given[member] for member in ("VpceAccessRequired", *_NETWORK_LISTS) if member in given}


def page(ctx: RequestContext, params: dict[str, Any], table: str, where: str, scope: tuple[Any, ...],
         key: str) -> tuple[list[Row], str | None]:
    """One page of ``table``'s rows matching ``where`` (``?`` bound to ``scope``), oldest
    first, ties broken by the ``key`` column."""
    return ctx.page(params, f"SELECT * FROM {table}", where, scope, ("created_at", key), query=[table, where, *scope])


@handlers("ListIdentityStores")
def list_identity_stores(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    ensure_instance(ctx.tx, ctx.account, ctx.region, ctx.now)
    rows, next_token = page(ctx, params, "idc_instances", "account = ? AND region = ?", (ctx.account, ctx.region),
                            "instance_arn")
    return {"IdentityStores": [_summary(ctx, r) for r in rows], "NextToken": next_token}


@handlers("DescribeIdentityStore")
def describe_identity_store(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    row = find_identity_store(ctx.tx, ctx.account, ctx.region, store_id)
    described = _summary(ctx, row)
    if row["network_configuration"] is not None:
        described["NetworkConfiguration"] = orjson.loads(row["network_configuration"])
    return described


@handlers("UpdateIdentityStore")
def update_identity_store(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Replace the store's whole network configuration; without one, nothing changes.
    Answers the store's ID and ARN (both required by the output shape)."""
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    if "NetworkConfiguration" in params:
        config = _network_configuration(params["NetworkConfiguration"])
        ctx.tx.execute("UPDATE idc_instances SET network_configuration = ? WHERE identity_store_id = ?",
                       (orjson.dumps(config).decode(), store_id))
    return {"IdentityStoreId": store_id,
            "IdentityStoreArn": directory.identity_store_arn(ctx.region, ctx.account, store_id)}
