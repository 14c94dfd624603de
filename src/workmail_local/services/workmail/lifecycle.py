"""The state machine every entity shares: RegisterToWorkMail, DeregisterFromWorkMail, and
what deleting a user, group or resource does.

    (created) DISABLED ──register──► ENABLED ──deregister──► DISABLED ──delete──► DELETED

Registering gives the entity its primary address and sets EnabledDate (users also
MailboxProvisionedDate), clearing the previous DisabledDate. Deregistering sets
DisabledDate and releases every address of the entity, primary and aliases, as it always
has for users, so others may take them. Deleting needs a DISABLED entity; the row stays
(Describe and List show it DELETED) and its name, addresses, memberships, delegations
and mailbox permissions (as owner and as grantee) are gone.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail import addresses, entities, relations
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import USER, Entity
from workmail_local.services.workmail.organizations import on_organization_delete, require_active_organization
from workmail_local.store import Row


@handlers("RegisterToWorkMail")
def register_to_workmail(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    # The model documents IDs and names for this operation, not addresses.
    entity = entities.require(ctx, org["id"], params["EntityId"], by_email=False)
    if entity.state == "DELETED":
        raise errors.EntityStateException(f"The {entity.kind.noun} {entity.id} is DELETED and cannot be registered.")
    email = params["Email"]
    if entity.state == "ENABLED":
        if entity.email is not None and entities.key(entity.email) == entities.key(email):
            return  # registering again with the same address changes nothing
        raise errors.EntityAlreadyRegisteredException(
            f"The {entity.kind.noun} {entity.id} is already registered to WorkMail with {entity.email}."
        )
    addresses.check_available(ctx, org["id"], email, entity.id)
    mailbox = ", mailbox_provisioned_at = ?, mailbox_deprovisioned_at = NULL" if entity.kind is USER else ""
    ctx.tx.execute(
        f"UPDATE {entity.kind.table} SET state = 'ENABLED', enabled_at = ?, disabled_at = NULL{mailbox}"  # noqa: S608
        " WHERE id = ?",
        (ctx.now, ctx.now, entity.id) if entity.kind is USER else (ctx.now, entity.id),
    )
    addresses.give_primary(ctx, entity, email)


@handlers("DeregisterFromWorkMail")
def deregister_from_workmail(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    entity = entities.require(ctx, org["id"], params["EntityId"])
    if entity.state != "ENABLED":
        raise errors.EntityStateException(f"The {entity.kind.noun} {entity.id} is not ENABLED, state: {entity.state}")
    mailbox = ", mailbox_deprovisioned_at = ?" if entity.kind is USER else ""
    ctx.tx.execute(
        f"UPDATE {entity.kind.table} SET state = 'DISABLED', disabled_at = ?{mailbox} WHERE id = ?",  # noqa: S608
        (ctx.now, ctx.now, entity.id) if entity.kind is USER else (ctx.now, entity.id),
    )
    addresses.release_all(ctx, entity)


def remove_relations(ctx: RequestContext, entity_id: str) -> None:
    """Drop every membership, delegation, mailbox permission and device override the entity is part of."""
    relations.remove_all(ctx, entity_id)
    ctx.tx.execute("DELETE FROM mailbox_permissions WHERE owner_id = ? OR grantee_id = ?", (entity_id, entity_id))
    ctx.tx.execute("DELETE FROM mobile_device_access_overrides WHERE user_id = ?", (entity_id,))


def delete_entity(ctx: RequestContext, entity: Entity | None, extra_sets: str = "") -> None:
    """Delete* for any kind: absent or already DELETED is a no-op; ENABLED is refused.

    ``extra_sets`` is more of the ``UPDATE … SET`` (e.g. dropping a user's password hash)."""
    if entity is None or entity.state == "DELETED":
        return  # deleting what is not there (any more) succeeds
    if entity.state == "ENABLED":
        raise errors.EntityStateException(
            f"The {entity.kind.noun} {entity.id} is ENABLED: deregister it from WorkMail before deleting it."
        )
    ctx.tx.execute(
        f"UPDATE {entity.kind.table} SET state = 'DELETED', deleted_at = ?{extra_sets} WHERE id = ?",  # noqa: S608
        (ctx.now, entity.id),
    )
    addresses.release_all(ctx, entity)
    remove_relations(ctx, entity.id)


@on_organization_delete
def refuse_deleting_organization_with_enabled_entities(ctx: RequestContext, org: Row, params: dict[str, Any]) -> None:
    """DeleteOrganization keeps an organization that has enabled users, groups or
    resources unless ForceDelete is set; with it, every entity goes.

    InvalidParameterException rather than OrganizationStateException: the organization is
    Active and fine, the request lacks ForceDelete, and clients such as Terraform read
    OrganizationStateException on delete as "already deleted".
    """
    if not params.get("ForceDelete"):
        counts = {
            kind.noun: ctx.tx.value(
                f"SELECT COUNT(*) FROM {kind.table} WHERE organization_id = ? AND state = 'ENABLED'",  # noqa: S608
                (org["id"],))
            for kind in entities.ALL
        }
        enabled = [f"{n} enabled {noun}(s)" for noun, n in counts.items() if n]
        if enabled:
            raise errors.InvalidParameterException(
                f"Organization {org['id']} has {', '.join(enabled)}; deregister them, "
                "or set ForceDelete to delete the organization anyway."
            )
        return
    for kind in entities.ALL:
        secret = ", password_hash = NULL" if kind is USER else ""
        ctx.tx.execute(
            f"UPDATE {kind.table} SET state = 'DELETED', deleted_at = ?, email = NULL, email_key = NULL{secret}"  # noqa: S608
            " WHERE organization_id = ? AND state <> 'DELETED'",
            (ctx.now, org["id"]),
        )
    ctx.tx.execute("DELETE FROM email_addresses WHERE organization_id = ?", (org["id"],))
    for table in ("group_members", "resource_delegates", "mailbox_permissions"):
        ctx.tx.execute(f"DELETE FROM {table} WHERE organization_id = ?", (org["id"],))  # noqa: S608
