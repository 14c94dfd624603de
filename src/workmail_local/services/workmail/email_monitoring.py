"""Email monitoring (email event logging): PutEmailMonitoringConfiguration,
DescribeEmailMonitoringConfiguration, DeleteEmailMonitoringConfiguration.

One configuration per organization: the CloudWatch log group its email events go to and
the role WorkMail writes with. Without a ``RoleArn`` the caller's service-linked role
``AWSServiceRoleForAmazonWorkMailEvents`` is used, and Describe shows its ARN. The log
group must be in the organization's Region and account (``ResourceNotFoundException``
otherwise: WorkMail could not reach it); its existence is not checked (there is no
CloudWatch Logs here). Describe with none is ``ResourceNotFoundException``; Delete with
none is a success. When mail flows, the events are written to a local file per log
group (``mail/events.py``).
"""

from __future__ import annotations

from typing import Any

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.services.workmail.api import errors, found, handlers
from workmail_local.services.workmail.organizations import forget_with_organization, require_active_organization

SERVICE_LINKED_ROLE = "aws-service-role/events.workmail.amazonaws.com/AWSServiceRoleForAmazonWorkMailEvents"


def service_linked_role_arn(region: str, account: str) -> str:
    """The ARN of the caller's WorkMail events service-linked role."""
    return f"arn:{ids.partition(region)}:iam::{account}:role/{SERVICE_LINKED_ROLE}"


@handlers("PutEmailMonitoringConfiguration")
def put_email_monitoring_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Set (or replace) where the organization's email events go."""
    org = require_active_organization(ctx, params["OrganizationId"])
    log_group = params["LogGroupArn"]
    # arn:aws:logs:<region>:<account>:log-group:<name>:*  (the model's pattern)
    region, account = log_group.split(":")[3:5]
    if (region, account) != (ctx.region, ctx.account):
        raise errors.ResourceNotFoundException(
            f"The log group {log_group} was not found: it must be in the organization's Region ({ctx.region}) "
            f"and account ({ctx.account})."
        )
    ctx.tx.execute(
        "INSERT INTO email_monitoring (organization_id, log_group_arn, role_arn) VALUES (?, ?, ?)"
        " ON CONFLICT (organization_id) DO UPDATE SET log_group_arn = excluded.log_group_arn,"
        " role_arn = excluded.role_arn",
        (org["id"], log_group, params.get("RoleArn")),
    )


@handlers("DescribeEmailMonitoringConfiguration")
def describe_email_monitoring_configuration(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    row = found(ctx.tx.one("SELECT * FROM email_monitoring WHERE organization_id = ?", (org["id"],)),
                errors.ResourceNotFoundException(f"Organization {org['id']} has no email monitoring configuration."))
    return {"RoleArn": row["role_arn"] or service_linked_role_arn(ctx.region, ctx.account),
            "LogGroupArn": row["log_group_arn"]}


@handlers("DeleteEmailMonitoringConfiguration")
def delete_email_monitoring_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    ctx.tx.execute("DELETE FROM email_monitoring WHERE organization_id = ?", (org["id"],))


forget_with_organization("email_monitoring")
