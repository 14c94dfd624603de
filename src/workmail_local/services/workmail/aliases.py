"""Aliases and the primary address of users, groups and resources: CreateAlias,
DeleteAlias, ListAliases, UpdatePrimaryEmailAddress.

Every address lives in the organization's one address space (``addresses``): on a
verified mail domain of the organization, held by one entity. An entity has addresses
only while it is ENABLED (deregistering releases them all), so aliases are given to and
the primary changed on ENABLED entities only. At most 100 aliases per entity, the
primary not counted; ListAliases lists the primary first, then the aliases in the order
they were given.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail import addresses, entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import Entity
from workmail_local.services.workmail.organizations import require_active_organization


def _entity_by_id(ctx: RequestContext, params: dict[str, Any], columns: str = "*") -> Entity:
    """The entity an alias operation names: by ID only (the model's ``WorkMailIdentifier``)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    return entities.require(ctx, org["id"], params["EntityId"], by_name=False, by_email=False, columns=columns)


@handlers("CreateAlias")
def create_alias(ctx: RequestContext, params: dict[str, Any]) -> None:
    entity = _entity_by_id(ctx, params)
    entities.require_enabled(entity, "have aliases")
    alias = params["Alias"]
    # Giving an entity an address it holds already (alias or primary) changes nothing.
    addresses.check_available(ctx, entity["organization_id"], alias, entity.id)
    addresses.add_alias(ctx, entity, alias)


@handlers("DeleteAlias")
def delete_alias(ctx: RequestContext, params: dict[str, Any]) -> None:
    entity = _entity_by_id(ctx, params)
    # A DISABLED entity holds no address: whatever alias is named is absent, which succeeds.
    entities.require_not_deleted(entity)
    addresses.remove_alias(ctx, entity, params["Alias"])


@handlers("ListAliases")
def list_aliases(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    entity = _entity_by_id(ctx, params, entities.STATE_COLUMNS)
    entities.require_not_deleted(entity)
    # Keyset order is ascending: "not primary" (0 for the primary) puts the primary first.
    rows, next_token = ctx.page(
        params,
        "SELECT address, alias_rank, created_at, address_key FROM (SELECT address, 1 - is_primary AS alias_rank,"
        " created_at, address_key, entity_id FROM email_addresses) AS a",
        "entity_id = ?", [entity.id], ("alias_rank", "created_at", "address_key"), tuples=True,
    )
    return {"Aliases": [row[0] for row in rows], "NextToken": next_token}


@handlers("UpdatePrimaryEmailAddress")
def update_primary_email_address(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    entity = entities.require(ctx, org["id"], params["EntityId"])
    entities.require_enabled(entity, "change its primary email address")
    email = params["Email"]
    held = addresses.check_available(ctx, org["id"], email, entity.id)
    if held is None and addresses.alias_count(ctx, entity.id) >= addresses.ALIASES_PER_ENTITY:
        # The old primary stays as an alias: that would be one alias more than an entity may have.
        raise errors.InvalidParameterException(
            f"The {entity.kind.noun} {entity.id} has {addresses.ALIASES_PER_ENTITY} aliases, the most it may have, "
            f"and its primary address {entity.email} would become one more; delete an alias first, or make "
            "one of its aliases primary."
        )
    addresses.give_primary(ctx, entity, email)

