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
from workmail_local.services.workmail import entities, relations
from workmail_local.services.workmail.api import handlers
from workmail_local.services.workmail.entities import RESOURCE, Entity
from workmail_local.services.workmail.relations import RESOURCE_DELEGATES
from workmail_local.services.workmail.organizations import require_active_organization


def _pair(ctx: RequestContext, params: dict[str, Any]) -> tuple[Entity, Entity]:
    """The (resource, delegate) an Associate/Disassociate request names, both live."""
    org = require_active_organization(ctx, params["OrganizationId"])
    resource = entities.require_live(ctx, org["id"], params["ResourceId"], (RESOURCE,))
    return resource, relations.require_related(ctx, RESOURCE_DELEGATES, org["id"], params["EntityId"])


@handlers("AssociateDelegateToResource")
def associate_delegate_to_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    resource, delegate = _pair(ctx, params)
    if not relations.holds(ctx, RESOURCE_DELEGATES, resource, delegate):
        relations.insert(ctx, RESOURCE_DELEGATES, resource, delegate)


@handlers("DisassociateDelegateFromResource")
def disassociate_delegate_from_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    resource, delegate = _pair(ctx, params)
    # Removing the last delegate of a resource that does not auto-accept is allowed: only
    # UpdateResource models InvalidConfigurationException.
    relations.remove(ctx, RESOURCE_DELEGATES, resource, delegate)


@handlers("ListResourceDelegates")
def list_resource_delegates(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    resource = entities.require_live(ctx, org["id"], params["ResourceId"], (RESOURCE,))
    rows, next_token = ctx.page(params, "SELECT delegate_id, delegate_type, created_at FROM resource_delegates",
                                "resource_id = ?", [resource.id], ("created_at", "delegate_id"))
    return {"Delegates": [{"Id": r["delegate_id"], "Type": r["delegate_type"]} for r in rows],
            "NextToken": next_token}
