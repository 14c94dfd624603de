"""WorkMail's IdC application: CreateIdentityCenterApplication and DeleteIdentityCenterApplication.

Neither touches any organization's authentication settings; an application still
named by an organization's identity-provider configuration cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter.applications import find_application, new_application_arn
from workmail_local.services.identitycenter.instances import find_instance
from workmail_local.services.workmail.api import errors, handlers


@handlers("CreateIdentityCenterApplication")
def create_identity_center_application(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    instance_arn = params["InstanceArn"]
    instance = find_instance(ctx.tx, ctx.account, ctx.region, instance_arn)
    if instance is None:
        raise errors.InvalidParameterException(
            f"The IAM Identity Center instance {instance_arn} does not exist in account {ctx.account}"
            f" and Region {ctx.region}."
        )
    arn = new_application_arn(instance_arn, ctx.account, ctx.region)
    ctx.tx.execute(
        "INSERT INTO idc_applications (application_arn, account, region, instance_arn, name, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (arn, ctx.account, ctx.region, instance_arn, params["Name"], ctx.now),
    )
    return {"ApplicationArn": arn}


def delete_application(ctx: RequestContext, application_arn: str) -> None:
    """Delete the caller's application; absent is fine; refused while a configuration uses it."""
    if find_application(ctx.tx, ctx.account, ctx.region, application_arn) is None:
        return
    users = [
        r["organization_id"]
        for r in ctx.tx.all(
            "SELECT organization_id FROM identity_provider_configurations WHERE application_arn = ?"
            " ORDER BY organization_id",
            (application_arn,),
        )
    ]
    if users:
        raise errors.OrganizationStateException(
            f"The IAM Identity Center application {application_arn} is used by the identity provider"
            f" configuration of organization {', '.join(users)}. Delete that configuration first."
        )
    # Its assignments (sso-admin CreateApplicationAssignment) go with it.
    ctx.tx.execute("DELETE FROM idc_application_assignments WHERE application_arn = ?", (application_arn,))
    ctx.tx.execute("DELETE FROM idc_applications WHERE application_arn = ?", (application_arn,))


@handlers("DeleteIdentityCenterApplication")
def delete_identity_center_application(ctx: RequestContext, params: dict[str, Any]) -> None:
    delete_application(ctx, params["ApplicationArn"])
