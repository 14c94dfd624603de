"""Delegates of a resource: the users and groups that receive its booking requests and
answer them when it does not auto-accept. Associate, disassociate, list.

Both sides are named by ID, name or email. A delegate is a user or a group; naming a
resource as one is a bad parameter (the model's ``Delegate.Type`` has no RESOURCE). A
DELETED resource or delegate is refused; associating a delegate again and disassociating
one that is not a delegate succeed (the model marks both idempotent). Deleting either
side removes the delegation (``lifecycle.remove_relations``).
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import MEMBERS, RESOURCE, Entity
from workmail_local.services.workmail.organizations import require_active_organization


def _pair(ctx: RequestContext, params: dict[str, Any]) -> tuple[Entity, Entity]:
    """The (resource, delegate) an Associate/Disassociate request names, both live."""
    org = require_active_organization(ctx, params["OrganizationId"])
    resource = entities.require_live(ctx, org["id"], params["ResourceId"], (RESOURCE,))
    delegate = entities.require(ctx, org["id"], params["EntityId"])
    if delegate.kind not in MEMBERS:
        raise errors.InvalidParameterException(
            f"The {delegate.kind.noun} {delegate.id} cannot be a delegate; delegates are users or groups."
        )
    entities.require_not_deleted(delegate)
    return resource, delegate


@handlers("AssociateDelegateToResource")
def associate_delegate_to_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    resource, delegate = _pair(ctx, params)
    if ctx.tx.one("SELECT 1 FROM resource_delegates WHERE resource_id = ? AND delegate_id = ?",
                  (resource.id, delegate.id)) is not None:
        return  # a delegate already
    ctx.tx.execute(
        "INSERT INTO resource_delegates (resource_id, delegate_id, delegate_type, organization_id, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (resource.id, delegate.id, delegate.kind.type, resource["organization_id"], ctx.now),
    )


@handlers("DisassociateDelegateFromResource")
def disassociate_delegate_from_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    resource, delegate = _pair(ctx, params)
    # Removing the last delegate of a resource that does not auto-accept is allowed: only
    # UpdateResource models InvalidConfigurationException.
    ctx.tx.execute("DELETE FROM resource_delegates WHERE resource_id = ? AND delegate_id = ?",
                   (resource.id, delegate.id))


@handlers("ListResourceDelegates")
def list_resource_delegates(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    resource = entities.require_live(ctx, org["id"], params["ResourceId"], (RESOURCE,))
    rows, next_token = ctx.page(params, "SELECT delegate_id, delegate_type, created_at FROM resource_delegates",
                                "resource_id = ?", [resource.id], ("created_at", "delegate_id"))
    return {"Delegates": [{"Id": r["delegate_id"], "Type": r["delegate_type"]} for r in rows],
            "NextToken": next_token}
