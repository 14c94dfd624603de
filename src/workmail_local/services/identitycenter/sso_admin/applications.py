"""IdC applications as sso-admin shows them: ListApplications, DescribeApplication.

The applications are the ones WorkMail's CreateIdentityCenterApplication made; sso-admin
only reads them here.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter.applications import (
    applications_of_instance,
    find_application,
    identity_store_arn,
    provider_arn,
)
from workmail_local.services.identitycenter.instances import find_instance
from workmail_local.services.identitycenter.sso_admin.api import errors, handlers
from workmail_local.services.identitycenter.sso_admin.instances import access_denied
from workmail_local.store import Row


def application_view(row: Row) -> dict[str, Any]:
    """An application as ListApplications and DescribeApplication show it."""
    return {
        "ApplicationArn": row["application_arn"],
        "ApplicationProviderArn": provider_arn(row["region"]),
        "Name": row["name"],
        "ApplicationAccount": row["account"],
        "InstanceArn": row["instance_arn"],
        "IdentityStoreArn": identity_store_arn(row["account"], row["region"], row["identity_store_id"]),
        "Status": "ENABLED",
        "CreatedDate": row["created_at"],
        "CreatedFrom": row["region"],
    }


@handlers("ListApplications")
def list_applications_of_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    instance_arn = params["InstanceArn"]
    if find_instance(ctx.tx, ctx.account, ctx.region, instance_arn) is None:
        raise access_denied(ctx, instance_arn)
    filters = params.get("Filter", {})
    account = filters.get("ApplicationAccount")
    provider = filters.get("ApplicationProvider")

    select, where, args = applications_of_instance(instance_arn, account)
    # Every application here is WorkMail's: another provider matches none of them.
    if provider is not None and provider != provider_arn(ctx.region):
        where += " AND 0 = 1"
    rows, next_token = ctx.page(params, select, where, args, ("a.created_at", "a.application_arn"),
                                query=[instance_arn, account, provider])
    return {"Applications": [application_view(r) for r in rows], "NextToken": next_token}


@handlers("DescribeApplication")
def describe_application(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    row = find_application(ctx.tx, ctx.account, ctx.region, params["ApplicationArn"])
    if row is None:
        raise errors.ResourceNotFoundException(f"Application {params['ApplicationArn']} does not exist.")
    return application_view(row)
