"""Relations between entities: a group's members and a resource's delegates.

Both are the same thing to the directory: an owner (the group, the resource) and a user
or group related to it, kept as one row ``(owner, member, member type, organization,
created_at)``; associating again and disassociating what is not there change nothing
(the model marks both idempotent); deleting either side removes the row
(``lifecycle.remove_relations``).
"""

from __future__ import annotations

from dataclasses import dataclass

from workmail_local.context import RequestContext
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors
from workmail_local.services.workmail.entities import MEMBERS, Entity


@dataclass(frozen=True, slots=True)
class Relation:
    """One relation table and its columns; ``noun`` names the related side in messages."""

    table: str
    owner: str
    member: str
    member_type: str
    noun: str


GROUP_MEMBERS = Relation("group_members", "group_id", "member_id", "member_type", "group member")
RESOURCE_DELEGATES = Relation("resource_delegates", "resource_id", "delegate_id", "delegate_type", "delegate")
ALL = (GROUP_MEMBERS, RESOURCE_DELEGATES)


def require_related(ctx: RequestContext, relation: Relation, organization_id: str, identifier: str) -> Entity:
    """The live user or group ``identifier`` names; a resource cannot be related
    (``InvalidParameterException``), a deleted entity is ``EntityStateException``."""
    entity = entities.require(ctx, organization_id, identifier)
    if entity.kind not in MEMBERS:
        raise errors.InvalidParameterException(
            f"The {entity.kind.noun} {entity.id} cannot be a {relation.noun}: only users and groups can."
        )
    entities.require_not_deleted(entity)
    return entity


def holds(ctx: RequestContext, relation: Relation, owner: Entity, member: Entity) -> bool:
    """Whether ``member`` is related to ``owner`` already."""
    return ctx.tx.one(f"SELECT 1 FROM {relation.table} WHERE {relation.owner} = ? AND {relation.member} = ?",  # noqa: S608
                      (owner.id, member.id)) is not None


def insert(ctx: RequestContext, relation: Relation, owner: Entity, member: Entity) -> None:
    """Relate ``member`` to ``owner`` (check :func:`holds` first)."""
    ctx.tx.execute(
        f"INSERT INTO {relation.table} ({relation.owner}, {relation.member}, {relation.member_type},"  # noqa: S608
        " organization_id, created_at) VALUES (?, ?, ?, ?, ?)",
        (owner.id, member.id, member.kind.type, owner["organization_id"], ctx.now),
    )


def remove(ctx: RequestContext, relation: Relation, owner: Entity, member: Entity) -> None:
    """Undo the relation; nothing when there is none."""
    ctx.tx.execute(f"DELETE FROM {relation.table} WHERE {relation.owner} = ? AND {relation.member} = ?",  # noqa: S608
                   (owner.id, member.id))


def remove_all(ctx: RequestContext, entity_id: str) -> None:
    """Every relation the entity is part of, on either side (it is being deleted)."""
    for relation in ALL:
        ctx.tx.execute(f"DELETE FROM {relation.table} WHERE {relation.owner} = ? OR {relation.member} = ?",  # noqa: S608
                       (entity_id, entity_id))
