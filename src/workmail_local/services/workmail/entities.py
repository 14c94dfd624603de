"""The entity layer: users, groups and resources of an organization as one kind of thing.

Every entity operation needs the same few things, written once here: finding the entity
an identifier names (by ID, by name, or by email address, as each operation's model
documents, restricted to the kinds it accepts), checking its state, and the rule that a
name belongs to one live entity of the organization, whatever its kind. Names compare
case-insensitively. The address space (primary emails and aliases) is ``addresses``.

Each kind keeps its own table, but every table has the common entity columns (``id,
organization_id, name, name_key, state, email, email_key, hidden_from_gal, created_at,
enabled_at, disabled_at, deleted_at``), so the SQL here is the same for all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workmail_local.context import RequestContext
from workmail_local.protocol.model import answer_serializer
from workmail_local.protocol.serialize import RenderedStructure
from workmail_local.services.workmail.api import errors
from workmail_local.store import Row


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of entity: its wire name (``EntityType``), table and noun for messages."""

    type: str
    table: str
    noun: str


USER = Kind("USER", "users", "user")
GROUP = Kind("GROUP", "directory_groups", "group")
RESOURCE = Kind("RESOURCE", "directory_resources", "resource")
ALL: tuple[Kind, ...] = (USER, GROUP, RESOURCE)
MEMBERS: tuple[Kind, ...] = (USER, GROUP)  # who may be a group member, delegate or grantee
MAILBOXES: tuple[Kind, ...] = (USER, RESOURCE)
KINDS_BY_TYPE = {kind.type: kind for kind in ALL}


@dataclass(frozen=True, slots=True)
class Entity:
    """A stored entity and its kind; ``row`` has every column of its table."""

    kind: Kind
    row: Row

    @property
    def id(self) -> str:
        return self.row["id"]

    @property
    def name(self) -> str:
        return self.row["name"]

    @property
    def state(self) -> str:
        return self.row["state"]

    @property
    def email(self) -> str | None:
        return self.row["email"]

    def __getitem__(self, column: str) -> Any:
        return self.row[column]


# The columns every kind's table has that identify an entity and its state: enough for
# operations that read nothing else of it (find(columns=STATE_COLUMNS)).
STATE_COLUMNS = "id, organization_id, name, email, state, created_at"


def key(text: str) -> str:
    """The case-insensitive form names and addresses are compared by."""
    return text.lower()


def noun_of(kinds: Sequence[Kind]) -> str:
    """How a message names what was looked for: ``user``, ``group``, or ``entity``."""
    return kinds[0].noun if len(kinds) == 1 else "entity"


def _by_id(ctx: RequestContext, organization_id: str, identifier: str, kinds: Sequence[Kind],
           columns: str) -> Entity | None:
    # IDs are lower-case GUIDs and r- hex: the case a client typed does not matter.
    wanted = identifier.lower()
    for kind in kinds:
        if kind is RESOURCE and not wanted.startswith("r-"):
            continue
        if kind is not RESOURCE and wanted.startswith("r-"):
            continue
        row = ctx.tx.one(f"SELECT {columns} FROM {kind.table} WHERE organization_id = ? AND id = ?",  # noqa: S608
                         (organization_id, wanted))
        if row is not None:
            return Entity(kind, row)
    return None


def _by_name(ctx: RequestContext, organization_id: str, identifier: str, kinds: Sequence[Kind],
             columns: str) -> Entity | None:
    """A live entity of that name, else the most recently created deleted one.

    Two lookups, each one search of its own index (the unique index of live names, the
    partial index of deleted ones), so neither reads the organization's other entities."""
    name = key(identifier)
    for kind in kinds:
        row = ctx.tx.one(f"SELECT {columns} FROM {kind.table} WHERE organization_id = ? AND name_key = ?"  # noqa: S608
                         " AND state <> 'DELETED'", (organization_id, name))
        if row is not None:
            return Entity(kind, row)
    found: list[Entity] = []
    for kind in kinds:
        row = ctx.tx.one(f"SELECT {columns} FROM {kind.table} WHERE organization_id = ? AND name_key = ?"  # noqa: S608
                         " AND state = 'DELETED' ORDER BY created_at DESC LIMIT 1", (organization_id, name))
        if row is not None:
            found.append(Entity(kind, row))
    return max(found, key=lambda e: e["created_at"]) if found else None


def _by_email(ctx: RequestContext, organization_id: str, identifier: str, kinds: Sequence[Kind],
              columns: str) -> Entity | None:
    """The entity holding that address, primary or alias."""
    owner = ctx.tx.one("SELECT entity_id, entity_type FROM email_addresses WHERE organization_id = ? AND address_key = ?",
                       (organization_id, key(identifier)))
    if owner is None:
        return None
    kind = KINDS_BY_TYPE[owner["entity_type"]]
    if kind not in kinds:
        return None
    row = ctx.tx.one(f"SELECT {columns} FROM {kind.table} WHERE id = ?", (owner["entity_id"],))  # noqa: S608
    return None if row is None else Entity(kind, row)


def find(
    ctx: RequestContext,
    organization_id: str,
    identifier: str,
    kinds: Sequence[Kind] = ALL,
    *,
    by_name: bool = True,
    by_email: bool = True,
    columns: str = "*",
) -> Entity | None:
    """The organization's entity of one of ``kinds`` that ``identifier`` names, deleted ones included.

    Tried in order: ID, then name (a live entity before a deleted one of the same name,
    then the most recently created), then email address (primary or alias). ``columns``:
    what the entity's row holds (every column, or :data:`STATE_COLUMNS` where that is all
    an operation reads: a users row has 33).
    """
    entity = _by_id(ctx, organization_id, identifier, kinds, columns)
    if entity is None and by_name:
        entity = _by_name(ctx, organization_id, identifier, kinds, columns)
    if entity is None and by_email and "@" in identifier:
        entity = _by_email(ctx, organization_id, identifier, kinds, columns)
    return entity


def require(ctx: RequestContext, organization_id: str, identifier: str, kinds: Sequence[Kind] = ALL,
            **ways: Any) -> Entity:
    """:func:`find` (``ways``: its ``by_name``/``by_email``), or ``EntityNotFoundException``."""
    entity = find(ctx, organization_id, identifier, kinds, **ways)
    if entity is None:
        raise errors.EntityNotFoundException(
            f"The {noun_of(kinds)} {identifier} was not found in organization {organization_id}."
        )
    return entity


def require_live(ctx: RequestContext, organization_id: str, identifier: str, kinds: Sequence[Kind] = ALL) -> Entity:
    """:func:`require` (by ID, name or email), then :func:`require_not_deleted`."""
    entity = require(ctx, organization_id, identifier, kinds)
    require_not_deleted(entity)
    return entity


def require_not_deleted(entity: Entity) -> None:
    """``EntityStateException`` for a deleted entity (nothing but Describe, List and Delete reach one)."""
    if entity.state == "DELETED":
        raise errors.EntityStateException(f"The {entity.kind.noun} {entity.id} is DELETED.")


def require_enabled(entity: Entity, doing: str) -> None:
    """``EntityStateException`` unless the entity is ENABLED (registered to WorkMail)."""
    if entity.state != "ENABLED":
        raise errors.EntityStateException(
            f"The {entity.kind.noun} {entity.id} must be ENABLED to {doing}; state: {entity.state}"
        )


# -- the names of an organization -------------------------------------------------

def name_taken(ctx: RequestContext, organization_id: str, name: str, exclude_id: str | None = None) -> bool:
    """Whether a live entity of any kind (other than ``exclude_id``) holds ``name``: one
    statement over the three kinds' name indexes."""
    args = (organization_id, key(name), exclude_id or "")
    return bool(ctx.tx.value(_NAME_TAKEN, args * len(ALL)))


def check_name_available(ctx: RequestContext, organization_id: str, name: str, exclude_id: str | None = None) -> None:
    """``NameAvailabilityException`` when a live user, group or resource already has ``name``."""
    if name_taken(ctx, organization_id, name, exclude_id):
        raise errors.NameAvailabilityException(f"The name {name} is already in use in organization {organization_id}.")


_NAME_TAKEN = "SELECT " + " OR ".join(
    f"EXISTS (SELECT 1 FROM {kind.table} WHERE organization_id = ? AND name_key = ? AND state <> 'DELETED'"
    " AND id <> ?)" for kind in ALL)


# Names no entity may take (compared case-insensitively, on the part before any "@"): the
# administrator account, directory system accounts and the mailboxes RFC 2142 reserves.
RESERVED_NAMES = frozenset({"administrator", "guest", "krbtgt", "postmaster", "root", "abuse", "hostmaster",
                            "webmaster", "mailer-daemon"})


def is_reserved_name(name: str) -> bool:
    """Whether ``name`` is one WorkMail keeps for itself (for operations that model no ReservedNameException)."""
    return name.partition("@")[0].lower() in RESERVED_NAMES


def check_name_not_reserved(name: str) -> None:
    """``ReservedNameException`` for the names WorkMail keeps for itself."""
    if is_reserved_name(name):
        raise errors.ReservedNameException(f"The name {name} is reserved and cannot be used.")


def state_dates(row: Row) -> dict[str, Any]:
    """``State``, ``EnabledDate`` and ``DisabledDate`` as every summary writes them."""
    return {"State": row["state"], "EnabledDate": row["enabled_at"], "DisabledDate": row["disabled_at"]}


#: What every Describe{User,Group,Resource} answers of an entity, whatever its kind: member → column.
DESCRIBED = {"Name": "name", "Email": "email", "State": "state", "EnabledDate": "enabled_at",
             "DisabledDate": "disabled_at", "HiddenFromGlobalAddressList": "hidden_from_gal"}


def columns_for(answer: dict[str, str]) -> str:
    """The columns :func:`find` must read for an answer of ``answer``'s columns (and its own)."""
    return ", ".join(dict.fromkeys((*STATE_COLUMNS.split(", "), *answer.values())))


def describe_as(ctx: RequestContext, entity: Entity, answer: dict[str, str]) -> RenderedStructure:
    """The entity's Describe answer, member ``m`` being its column ``answer[m]``, written
    in one step by the operation's compiled answer serializer (``answer`` must be the same
    mapping, a module constant, every time: the serializer is remembered by it)."""
    return answer_serializer(ctx.operation, answer)(entity.row)


def described(entity: Entity) -> dict[str, Any]:
    """:data:`DESCRIBED` of an entity as a dict, for an answer that is more than columns
    (``DescribeResource``). The stored 0/1 becomes a boolean here: the output serializer
    passes booleans through."""
    row = entity.row
    return {**{member: row[column] for member, column in DESCRIBED.items()},
            "HiddenFromGlobalAddressList": bool(row["hidden_from_gal"])}


def update_columns(ctx: RequestContext, entity: Entity, changes: dict[str, Any]) -> None:
    """Write ``changes`` (column → value) to the entity's row; nothing when empty.
    The column names are the handler's own, never taken from input."""
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        ctx.tx.execute(f"UPDATE {entity.kind.table} SET {assignments} WHERE id = ?",  # noqa: S608
                       (*changes.values(), entity.id))
