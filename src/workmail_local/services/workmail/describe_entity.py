"""DescribeEntity: which user, group or resource an email address (primary or alias) belongs to."""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import handlers
from workmail_local.services.workmail.organizations import require_active_organization


@handlers("DescribeEntity")
def describe_entity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    # Only ENABLED entities hold addresses, so a released address names no one.
    entity = entities.require(ctx, org["id"], params["Email"], by_name=False)
    return {"EntityId": entity.id, "Name": entity.name, "Type": entity.kind.type}
