"""An organization's identity-provider (IAM Identity Center) configuration:
PutIdentityProviderConfiguration, DescribeIdentityProviderConfiguration,
DeleteIdentityProviderConfiguration, and its part in DeleteOrganization.

The stored configuration decides how mailbox users authenticate (no configuration:
directory password only); :func:`identity_provider_configuration` is the read the
authentication code uses.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter.applications import find_application
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.identity_center_applications import delete_application
from workmail_local.services.workmail.organizations import on_organization_delete, require_active_organization
from workmail_local.store import Row, Tx

# What PATs live for when Put leaves LifetimeInDays out (the console's default too).
DEFAULT_PAT_LIFETIME_DAYS = 365


def identity_provider_configuration(tx: Tx, organization_id: str) -> Row | None:
    """The organization's configuration (``authentication_mode``, ``instance_arn``,
    ``application_arn``, ``pat_status``, ``pat_lifetime_in_days``, ``updated_at``), or ``None``."""
    return tx.one("SELECT * FROM identity_provider_configurations WHERE organization_id = ?", (organization_id,))


@handlers("PutIdentityProviderConfiguration")
def put_identity_provider_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    idc = params["IdentityCenterConfiguration"]
    application = find_application(ctx.tx, ctx.account, ctx.region, idc["ApplicationArn"])
    if application is None:
        raise errors.ResourceNotFoundException(
            f"The IAM Identity Center application {idc['ApplicationArn']} was not found. It must be created"
            f" with CreateIdentityCenterApplication in account {ctx.account} and Region {ctx.region}."
        )
    if idc["InstanceArn"] != application["instance_arn"]:
        raise errors.InvalidParameterException(
            f"The IAM Identity Center instance {idc['InstanceArn']} is not the instance of application"
            f" {idc['ApplicationArn']} ({application['instance_arn']})."
        )
    pat = params["PersonalAccessTokenConfiguration"]
    ctx.tx.execute(
        "INSERT INTO identity_provider_configurations (organization_id, authentication_mode, instance_arn,"
        " application_arn, pat_status, pat_lifetime_in_days, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (organization_id) DO UPDATE SET authentication_mode = excluded.authentication_mode,"
        " instance_arn = excluded.instance_arn, application_arn = excluded.application_arn,"
        " pat_status = excluded.pat_status, pat_lifetime_in_days = excluded.pat_lifetime_in_days,"
        " updated_at = excluded.updated_at",
        (org["id"], params["AuthenticationMode"], idc["InstanceArn"], idc["ApplicationArn"], pat["Status"],
         pat.get("LifetimeInDays", DEFAULT_PAT_LIFETIME_DAYS), ctx.now),
    )


@handlers("DescribeIdentityProviderConfiguration")
def describe_identity_provider_configuration(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    config = identity_provider_configuration(ctx.tx, org["id"])
    if config is None:
        raise errors.ResourceNotFoundException(
            f"Organization {org['id']} has no identity provider configuration."
        )
    return {
        "AuthenticationMode": config["authentication_mode"],
        "IdentityCenterConfiguration": {
            "InstanceArn": config["instance_arn"],
            "ApplicationArn": config["application_arn"],
        },
        "PersonalAccessTokenConfiguration": {
            "Status": config["pat_status"],
            "LifetimeInDays": config["pat_lifetime_in_days"],
        },
    }


@handlers("DeleteIdentityProviderConfiguration")
def delete_identity_provider_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    ctx.tx.execute("DELETE FROM identity_provider_configurations WHERE organization_id = ?", (org["id"],))


@on_organization_delete
def remove_configuration_of_deleted_organization(ctx: RequestContext, org: Row, params: dict[str, Any]) -> None:
    """A deleted organization authenticates no one: its configuration goes. With
    ``DeleteIdentityCenterApplication`` the application it named goes too, unless another
    organization still uses it (then the deletion is refused, as DeleteIdentityCenterApplication is)."""
    config = identity_provider_configuration(ctx.tx, org["id"])
    if config is None:
        return
    ctx.tx.execute("DELETE FROM identity_provider_configurations WHERE organization_id = ?", (org["id"],))
    if params.get("DeleteIdentityCenterApplication"):
        delete_application(ctx, config["application_arn"])
