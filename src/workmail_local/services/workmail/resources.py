"""Resources (rooms and equipment) of the WorkMail directory: create, describe, update,
list, delete.

A resource is an entity like a user or group: created DISABLED with no email, given one
by RegisterToWorkMail, and deleted (DISABLED first) into a visible DELETED row that frees
its name and addresses — all of that is ``lifecycle``. What is a resource's own is its
type, description and booking options. Delegates are ``resource_delegates``.

A resource name may carry an ``@domain`` part (the model's ``ResourceName`` pattern
allows it). Since an identifier names an entity by ID, name or email, such a name would
otherwise shadow the address of another entity: a name with ``@`` is held to the rules of
the address space — its domain registered in the organization and verified, and the
address not held by another entity.
"""

from __future__ import annotations

from typing import Any

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.services.workmail import addresses, entities, entity_lists, lifecycle
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import RESOURCE, Entity
from workmail_local.services.workmail.organizations import require_active_organization
from workmail_local.store import Row

# BookingOptions members → columns, with the defaults of a new resource (the values of
# the only real sample, CLI describe-resource).
BOOKING_OPTIONS = {
    "AutoAcceptRequests": ("auto_accept_requests", True),
    "AutoDeclineRecurringRequests": ("auto_decline_recurring_requests", False),
    "AutoDeclineConflictingRequests": ("auto_decline_conflicting_requests", True),
}


def _check_address_name(ctx: RequestContext, organization_id: str, name: str, resource_id: str | None) -> None:
    """The address-space rules for a name with an ``@domain`` part (see the module docstring):
    MailDomainNotFound, MailDomainState, EmailAddressInUse (or InvalidParameter) as
    ``addresses.check_available`` raises them."""
    if "@" in name:
        addresses.check_available(ctx, organization_id, name, resource_id)


@handlers("CreateResource")
def create_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    name = params["Name"]
    entities.check_name_not_reserved(name)
    entities.check_name_available(ctx, org["id"], name)
    try:
        _check_address_name(ctx, org["id"], name, None)
    except errors.EmailAddressInUseException as exc:
        # CreateResource models none of the address errors: a name that is another
        # entity's address is a name that is not available, an unusable domain a bad parameter.
        raise errors.NameAvailabilityException(
            f"The name {name} is an email address already in use in organization {org['id']}."
        ) from exc
    except (errors.MailDomainNotFoundException, errors.MailDomainStateException) as exc:
        raise errors.InvalidParameterException(
            f"The name {name} has a domain part that is not a verified mail domain of organization {org['id']}."
        ) from exc
    resource_id = ids.resource_id()
    columns = [column for column, _ in BOOKING_OPTIONS.values()]
    ctx.tx.execute(
        "INSERT INTO directory_resources (id, organization_id, name, name_key, resource_type, description,"
        f" hidden_from_gal, {', '.join(columns)}, state, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'DISABLED', ?)",
        (resource_id, org["id"], name, entities.key(name), params["Type"], params.get("Description"),
         int(params.get("HiddenFromGlobalAddressList", False)),
         *(int(default) for _, default in BOOKING_OPTIONS.values()), ctx.now),
    )
    return {"ResourceId": resource_id}


def booking_options(row: Row | Entity) -> dict[str, bool]:
    """A stored resource's ``BookingOptions``."""
    return {member: bool(row[column]) for member, (column, _) in BOOKING_OPTIONS.items()}


@handlers("DescribeResource")
def describe_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    resource = entities.require(ctx, org["id"], params["ResourceId"], (RESOURCE,))
    return {
        "ResourceId": resource.id,
        **entities.described(resource),
        "Type": resource["resource_type"],
        "BookingOptions": booking_options(resource),
        "Description": resource["description"],
    }


def _has_delegates(ctx: RequestContext, resource_id: str) -> bool:
    return ctx.tx.one("SELECT 1 FROM resource_delegates WHERE resource_id = ? LIMIT 1", (resource_id,)) is not None


def _rename(ctx: RequestContext, resource: Entity, name: str) -> dict[str, Any]:
    """The column changes of a rename, after checking the new name."""
    if entities.is_reserved_name(name):
        # UpdateResource models no ReservedNameException: the name is a bad parameter here.
        raise errors.InvalidParameterException(f"The name {name} is reserved and cannot be used.")
    entities.check_name_available(ctx, resource["organization_id"], name, exclude_id=resource.id)
    _check_address_name(ctx, resource["organization_id"], name, resource.id)
    return {"name": name, "name_key": entities.key(name)}


def _changes(ctx: RequestContext, resource: Entity, params: dict[str, Any]) -> dict[str, Any]:
    """The column changes an UpdateResource request asks for, every one checked."""
    changes: dict[str, Any] = {}
    if "Name" in params:
        changes.update(_rename(ctx, resource, params["Name"]))
    if "Type" in params:
        changes["resource_type"] = params["Type"]
    if "Description" in params:
        changes["description"] = params["Description"] or None  # "" clears it
    if "HiddenFromGlobalAddressList" in params:
        changes["hidden_from_gal"] = int(params["HiddenFromGlobalAddressList"])
    if "BookingOptions" in params:
        # A whole replacement: SDKs that model the members as plain booleans leave out
        # the false ones, so an omitted member is false, not "unchanged".
        given = params["BookingOptions"]
        for member, (column, _) in BOOKING_OPTIONS.items():
            changes[column] = int(bool(given.get(member, False)))
        if not changes["auto_accept_requests"] and not _has_delegates(ctx, resource.id):
            raise errors.InvalidConfigurationException(
                f"The resource {resource.id} must either auto-accept requests or have at least one delegate "
                "to respond on its behalf; associate a delegate before turning AutoAcceptRequests off."
            )
    return changes


@handlers("UpdateResource")
def update_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    resource = entities.require_live(ctx, org["id"], params["ResourceId"], (RESOURCE,))
    entities.update_columns(ctx, resource, _changes(ctx, resource, params))


@handlers("DeleteResource")
def delete_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    # ID or name (the model documents no addresses here); an unknown one is already gone.
    resource = entities.find(ctx, org["id"], params["ResourceId"], (RESOURCE,), by_email=False)
    lifecycle.delete_entity(ctx, resource)


# What a ListResources page says of each resource: member → column.
_SUMMARY = entity_lists.summary_of(RESOURCE, {
    "Id": "id", "Email": "email", "Name": "name", "Type": "resource_type", "State": "state",
    "EnabledDate": "enabled_at", "DisabledDate": "disabled_at", "Description": "description",
})


@handlers("ListResources")
def list_resources(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    return entity_lists.list_page(ctx, params, org["id"], _SUMMARY, entity_lists.NAME_AND_EMAIL_FILTERS, "Resources")
