"""IdC instances (sso-admin): ListInstances, DescribeInstance, CreateInstance.

Each (account, region) has one account instance, created on first use (ListInstances
creates it) or by CreateInstance. A second CreateInstance is refused with
ConflictException, as AWS refuses a second account instance.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter.applications import identity_store_arn
from workmail_local.services.identitycenter.instances import ensure_instance, find_instance
from workmail_local.services.identitycenter.sso_admin.api import errors, handlers
from workmail_local.store import Row


def access_denied(ctx: RequestContext, resource: str) -> Exception:
    """What sso-admin answers for an instance the caller does not own (or that does not exist)."""
    return errors.AccessDeniedException(
        f"User: arn:{resource.split(':')[1]}:iam::{ctx.account}:root is not authorized to perform:"
        f" sso:{ctx.operation.name} on resource: {resource}"
    )


def instance_metadata(row: Row) -> dict[str, Any]:
    """An instance as ListInstances and DescribeInstance show it."""
    return {
        "InstanceArn": row["instance_arn"],
        "IdentityStoreId": row["identity_store_id"],
        "IdentityStoreArn": identity_store_arn(row["account"], row["region"], row["identity_store_id"]),
        "OwnerAccountId": row["account"],
        "Name": row["name"],
        "CreatedDate": row["created_at"],
        "Status": row["status"],
        "PrimaryRegion": row["region"],
        "Regions": [
            {"RegionName": row["region"], "Status": "ACTIVE", "AddedDate": row["created_at"], "IsPrimaryRegion": True}
        ],
    }


@handlers("ListInstances")
def list_instances(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    ensure_instance(ctx.tx, ctx.account, ctx.region, ctx.now)
    all_regions = params.get("RegionScope") == "ALL_REGIONS"
    # ALL_REGIONS: the account's instances of every region; otherwise this region's.
    scope = "account = ?" if all_regions else "account = ? AND region = ?"
    scope_params: tuple[Any, ...] = (ctx.account,) if all_regions else (ctx.account, ctx.region)

    rows, next_token = ctx.page(params, "SELECT * FROM idc_instances", scope, scope_params,
                                ("created_at", "instance_arn"), query=[all_regions])
    return {"Instances": [instance_metadata(r) for r in rows], "NextToken": next_token}


@handlers("DescribeInstance")
def describe_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    row = find_instance(ctx.tx, ctx.account, ctx.region, params["InstanceArn"])
    if row is None:
        raise access_denied(ctx, params["InstanceArn"])
    return {
        **instance_metadata(row),
        # Encrypted with an AWS owned key, the default of every new instance.
        "EncryptionConfigurationDetails": {"KeyType": "AWS_OWNED_KMS_KEY", "EncryptionStatus": "ENABLED"},
    }


@handlers("CreateInstance")
def create_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    existing = ctx.tx.one(
        "SELECT instance_arn FROM idc_instances WHERE account = ? AND region = ? LIMIT 1",
        (ctx.account, ctx.region),
    )
    if existing is not None:
        raise errors.ConflictException(
            f"An instance of IAM Identity Center already exists in account {ctx.account}:"
            f" {existing['instance_arn']}. An account can have only one instance."
        )
    row = ensure_instance(ctx.tx, ctx.account, ctx.region, ctx.now)
    if params.get("Name") is not None:
        ctx.tx.execute(
            "UPDATE idc_instances SET name = ? WHERE instance_arn = ?", (params["Name"], row["instance_arn"])
        )
    return {"InstanceArn": row["instance_arn"]}
