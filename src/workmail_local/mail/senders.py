"""Who may send as whom.

The envelope sender and the ``From:`` header must be one of the authenticated user's own
addresses (primary or alias), or an address of an entity on which the user — or a group
the user belongs to, at any depth — has ``SEND_AS`` (``PutMailboxPermissions``). With
``SEND_ON_BEHALF`` on that entity instead, the message is accepted when its ``Sender:``
header is one of the user's own addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import getaddresses

import orjson

from workmail_local.context import RequestContext
from workmail_local.mail.recipients import groups_containing
from workmail_local.services.workmail.addresses import addresses_of
from workmail_local.services.workmail.entities import key


@dataclass(frozen=True)
class Rights:
    """The user's own addresses and those it may send as or on behalf of (all lower-cased)."""

    own: frozenset[str]
    send_as: frozenset[str] = field(default_factory=frozenset)
    on_behalf: frozenset[str] = field(default_factory=frozenset)

    def may_use_envelope(self, address: str) -> bool:
        """May ``MAIL FROM`` name this address? (On behalf: the ``Sender:`` check follows at DATA.)"""
        wanted = key(address)
        return wanted in self.own or wanted in self.send_as or wanted in self.on_behalf

    def header_refusal(self, mail_from: str, from_header: str | None, sender_header: str | None) -> str | None:
        """Why the headers may not be sent (``None``: they may)."""
        senders = [key(a) for _, a in getaddresses([sender_header])] if sender_header else []
        sender_is_user = len(senders) == 1 and senders[0] in self.own
        authors = [key(a) for _, a in getaddresses([from_header])] if from_header else []
        if not authors or not all(authors):
            return "the message has no From: address"
        for author in authors:
            if author in self.own or author in self.send_as:
                continue
            if author in self.on_behalf:
                if sender_is_user:
                    continue
                return f"sending on behalf of {author} needs Sender: with your own address"
            return f"you may not send as {author} (From:)"
        envelope = key(mail_from)
        if envelope in self.on_behalf and envelope not in self.own | self.send_as and not sender_is_user:
            return f"sending on behalf of {envelope} needs Sender: with your own address"
        return None


def rights_of(ctx: RequestContext, user_id: str) -> Rights:
    """The user's :class:`Rights`, read from the directory now."""
    grantees = [user_id, *sorted(groups_containing(ctx, user_id))]
    marks = ", ".join("?" for _ in grantees)
    rows = ctx.tx.all(f"SELECT owner_id, permission_values FROM mailbox_permissions"  # noqa: S608
                      f" WHERE grantee_id IN ({marks})", grantees)
    send_as: set[str] = set()
    on_behalf: set[str] = set()
    for row in rows:
        values = orjson.loads(row["permission_values"])
        owned = {key(a) for a in addresses_of(ctx, row["owner_id"])}
        if "SEND_AS" in values:
            send_as |= owned
        if "SEND_ON_BEHALF" in values:
            on_behalf |= owned
    own = frozenset(key(a) for a in addresses_of(ctx, user_id))
    return Rights(own, frozenset(send_as), frozenset(on_behalf))
