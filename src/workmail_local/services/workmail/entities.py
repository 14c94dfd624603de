"""Entities of an organization (users today; groups and resources join here later).

Two things every entity operation needs: finding the entity an ``EntityId``/``UserId``
names (by ID, by name, or by email address, as each operation's model documents), and
the organization-wide rules that an email address, and a name, belong to one entity.
Names and addresses compare case-insensitively, as mail addresses do.
"""

from __future__ import annotations

from workmail_local.context import RequestContext
from workmail_local.services.workmail.api import errors
from workmail_local.store import Row


def key(text: str) -> str:
    """The case-insensitive form names and addresses are compared by."""
    return text.lower()


def find_user(
    ctx: RequestContext,
    organization_id: str,
    identifier: str,
    *,
    by_name: bool = True,
    by_email: bool = True,
) -> Row | None:
    """The organization's user that ``identifier`` names, deleted users included.

    Tried in order: user ID, then user name (a live user before a deleted one of the
    same name, then the most recently deleted), then primary email address.
    """
    user = ctx.tx.one("SELECT * FROM users WHERE organization_id = ? AND id = ?",
                      (organization_id, identifier.lower()))
    if user is None and by_name:
        user = ctx.tx.one(
            "SELECT * FROM users WHERE organization_id = ? AND name_key = ?"
            " ORDER BY CASE WHEN state = 'DELETED' THEN 1 ELSE 0 END, created_at DESC LIMIT 1",
            (organization_id, key(identifier)),
        )
    if user is None and by_email:
        user = ctx.tx.one("SELECT * FROM users WHERE organization_id = ? AND email_key = ?",
                          (organization_id, key(identifier)))
    return user


def require_user(
    ctx: RequestContext,
    organization_id: str,
    identifier: str,
    *,
    by_name: bool = True,
    by_email: bool = True,
) -> Row:
    """:func:`find_user`, or ``EntityNotFoundException``."""
    user = find_user(ctx, organization_id, identifier, by_name=by_name, by_email=by_email)
    if user is None:
        raise errors.EntityNotFoundException(f"The user {identifier} was not found in organization {organization_id}.")
    return user


def require_not_deleted(user: Row) -> None:
    """``EntityStateException`` for a deleted user (nothing but Describe, List and Delete reach one)."""
    if user["state"] == "DELETED":
        raise errors.EntityStateException(f"The user {user['id']} is DELETED.")


def name_in_use(ctx: RequestContext, organization_id: str, name: str) -> bool:
    """Whether a live (not deleted) entity of the organization has this name."""
    return ctx.tx.one(
        "SELECT 1 FROM users WHERE organization_id = ? AND name_key = ? AND state <> 'DELETED'",
        (organization_id, key(name)),
    ) is not None


def email_in_use(ctx: RequestContext, organization_id: str, email: str) -> bool:
    """Whether any entity of the organization holds this email address."""
    return ctx.tx.one(
        "SELECT 1 FROM users WHERE organization_id = ? AND email_key = ?",
        (organization_id, key(email)),
    ) is not None
