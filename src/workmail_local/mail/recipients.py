"""Where mail goes: a recipient address resolved from the WorkMail directory at delivery time.

An address names, case-insensitively, the primary email or an alias of a user, group or
resource (``email_addresses``, through the entity layer) of an Active organization. An
ENABLED user or resource is one mailbox; an ENABLED group is its members, expanded
recursively through nested groups (each mailbox once, cycles harmless, DISABLED members
and DISABLED nested groups left out). A DISABLED, DELETED or unknown entity on one of
the organizations' mail domains is nobody (550 5.1.1). An address outside every Active
organization's mail domains is outbound: this machine sends nothing out, it is queued.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workmail_local.context import RequestContext
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.addresses import domain_of
from workmail_local.services.workmail.entities import GROUP, MAILBOXES, USER, Entity, key
from workmail_local.services.workmail.group_members import nested_groups

LOCAL, UNKNOWN, OUTBOUND = "LOCAL", "UNKNOWN", "OUTBOUND"

_ACTIVE = "o.delete_requested_at IS NULL AND o.active_at <= ?"
_OWNER = ("SELECT a.organization_id, a.entity_id FROM email_addresses a JOIN organizations o ON o.id = a.organization_id"
          f" WHERE a.address_key = ? AND {_ACTIVE} ORDER BY a.created_at LIMIT 1")
_DOMAIN = ("SELECT 1 FROM mail_domains d JOIN organizations o ON o.id = d.organization_id"
           f" WHERE d.domain = ? AND {_ACTIVE} LIMIT 1")


@dataclass(frozen=True)
class Mailbox:
    """One final recipient: a user's or resource's mailbox, the user's quota in MB (None: none
    or default), and its primary email (what the email monitoring events name it by)."""

    entity_id: str
    kind: str
    quota_mb: int | None
    email: str | None = None


@dataclass
class Resolution:
    """What one recipient address is: LOCAL (its mailboxes), UNKNOWN or OUTBOUND."""

    outcome: str
    mailboxes: list[Mailbox] = field(default_factory=list)
    organization_id: str | None = None


def _mailbox(entity: Entity) -> Mailbox:
    quota = entity["mailbox_quota"] if entity.kind is USER else None
    return Mailbox(entity.id, entity.kind.type, quota, entity.email)


def resolve(ctx: RequestContext, address: str) -> Resolution:
    """The address's outcome and, when LOCAL, its mailboxes (at least one)."""
    owner = ctx.tx.one(_OWNER, (key(address), ctx.now))
    if owner is None:
        if ctx.tx.one(_DOMAIN, (domain_of(address), ctx.now)) is None:
            return Resolution(OUTBOUND)
        return Resolution(UNKNOWN)
    organization_id = owner["organization_id"]
    entity = entities.find(ctx, organization_id, owner["entity_id"], by_name=False, by_email=False)
    if entity is None or entity.state != "ENABLED":
        return Resolution(UNKNOWN, organization_id=organization_id)
    if entity.kind in MAILBOXES:
        return Resolution(LOCAL, [_mailbox(entity)], organization_id)
    found = expand_group(ctx, organization_id, entity.id)
    return Resolution(LOCAL if found else UNKNOWN, found, organization_id)


def expand_group(ctx: RequestContext, organization_id: str, group_id: str) -> list[Mailbox]:
    """The ENABLED users a group reaches through ENABLED nested groups, each once, in membership order."""
    seen_groups = {group_id}
    seen_users: set[str] = set()
    found: list[Mailbox] = []
    frontier = [group_id]
    while frontier:
        next_frontier: list[str] = []
        for current in frontier:
            rows = ctx.tx.all("SELECT member_id, member_type FROM group_members WHERE group_id = ?"
                              " ORDER BY created_at, member_id", (current,))
            for row in rows:
                member_id = row["member_id"]
                if member_id in seen_groups or member_id in seen_users:
                    continue
                kind = GROUP if row["member_type"] == "GROUP" else USER
                member = entities.find(ctx, organization_id, member_id, (kind,), by_name=False, by_email=False)
                if member is None or member.state != "ENABLED":
                    continue
                if kind is GROUP:
                    seen_groups.add(member_id)
                    next_frontier.append(member_id)
                else:
                    seen_users.add(member_id)
                    found.append(_mailbox(member))
        frontier = next_frontier
    return found


def groups_containing(ctx: RequestContext, entity_id: str) -> set[str]:
    """Every group the entity is a member of, directly or through nested groups."""
    return nested_groups(ctx, entity_id, containing=True)
