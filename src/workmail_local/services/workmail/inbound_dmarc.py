"""Inbound DMARC: PutInboundDmarcSettings and DescribeInboundDmarcSettings.

A new organization enforces DMARC on inbound mail (as WorkMail documents), so an
organization without a stored setting answers ``Enforced: true``. :func:`enforced` is
what mail flow reads.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail.api import handlers
from workmail_local.services.workmail.organizations import forget_with_organization, require_active_organization
from workmail_local.store import Tx


def enforced(tx: Tx, organization_id: str) -> bool:
    """Whether the organization enforces DMARC on inbound mail (default: yes)."""
    value = tx.value("SELECT enforced FROM inbound_dmarc WHERE organization_id = ?", (organization_id,))
    return True if value is None else bool(value)


@handlers("PutInboundDmarcSettings")
def put_inbound_dmarc_settings(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    ctx.tx.execute(
        "INSERT INTO inbound_dmarc (organization_id, enforced) VALUES (?, ?)"
        " ON CONFLICT (organization_id) DO UPDATE SET enforced = excluded.enforced",
        (org["id"], int(params["Enforced"])),
    )


@handlers("DescribeInboundDmarcSettings")
def describe_inbound_dmarc_settings(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    return {"Enforced": enforced(ctx.tx, org["id"])}


forget_with_organization("inbound_dmarc")
