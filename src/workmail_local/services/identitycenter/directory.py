"""The identity store's directory: users, groups and memberships as other features read them.

IdC sign-in, application assignments and the linking of WorkMail users query the
``idc_users``, ``idc_groups`` and ``idc_group_memberships`` tables through these small
helpers; the identitystore handlers use them too. Nothing here knows about requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import regex

from workmail_local import ids
from workmail_local.store import Row, Tx

# ARN resource kinds, and the principal types sso-admin names users and groups by.
USER, GROUP, MEMBERSHIP = "user", "group", "membership"
USER_PRINCIPAL, GROUP_PRINCIPAL = "USER", "GROUP"

_STORE_ID = regex.compile(r"^d-([0-9a-f]{10})$")

# Steps other features add to DeleteUser and DeleteGroup (e.g. dropping a deleted
# principal's application assignments), run inside the request's transaction as
# ``step(tx, identity_store_id, principal_type, principal_id)`` with type ``USER`` or ``GROUP``.
PrincipalDeletionStep = Callable[[Tx, str, str, str], None]
principal_deletion_steps: list[PrincipalDeletionStep] = []


def on_principal_delete(step: PrincipalDeletionStep) -> PrincipalDeletionStep:
    """Register a step run when an identity-store user or group is deleted (decorator)."""
    principal_deletion_steps.append(step)
    return step


def fold(value: str) -> str:
    """The key that user names, emails and group names are compared by (case-insensitive)."""
    return value.casefold()


def new_resource_id(identity_store_id: str) -> str:
    """A user, group or membership ID: ``<the store's 10 hex>-<uuid4>``, as identity stores mint them."""
    match = _STORE_ID.search(identity_store_id)
    return f"{match.group(1)}-{uuid.uuid4()}" if match else str(uuid.uuid4())


def resource_arn(region: str, kind: str, resource_id: str) -> str:
    """``arn:aws:identitystore:::user/<id>`` (kinds: USER, GROUP, MEMBERSHIP)."""
    return f"arn:{ids.partition(region)}:identitystore:::{kind}/{resource_id}"


def identity_store_arn(region: str, account: str, identity_store_id: str) -> str:
    """``arn:aws:identitystore::<account>:identitystore/<id>``."""
    return f"arn:{ids.partition(region)}:identitystore::{account}:identitystore/{identity_store_id}"


def find_user(tx: Tx, identity_store_id: str, user_id: str) -> Row | None:
    """The store's user with this ID, or ``None``."""
    return tx.one("SELECT * FROM idc_users WHERE identity_store_id = ? AND user_id = ?", (identity_store_id, user_id))


def find_user_by_name(tx: Tx, identity_store_id: str, user_name: str) -> Row | None:
    """The store's user with this user name (compared case-insensitively), or ``None``."""
    return tx.one(
        "SELECT * FROM idc_users WHERE identity_store_id = ? AND user_name_key = ?",
        (identity_store_id, fold(user_name)),
    )


def find_user_by_email(tx: Tx, identity_store_id: str, email: str) -> Row | None:
    """The store's user with this email address (compared case-insensitively), or ``None``."""
    return tx.one(
        "SELECT * FROM idc_users WHERE identity_store_id = ? AND email_key = ?", (identity_store_id, fold(email))
    )


def find_group(tx: Tx, identity_store_id: str, group_id: str) -> Row | None:
    """The store's group with this ID, or ``None``."""
    return tx.one(
        "SELECT * FROM idc_groups WHERE identity_store_id = ? AND group_id = ?", (identity_store_id, group_id)
    )


def find_group_by_name(tx: Tx, identity_store_id: str, display_name: str) -> Row | None:
    """The store's group with this display name (compared case-insensitively), or ``None``."""
    return tx.one(
        "SELECT * FROM idc_groups WHERE identity_store_id = ? AND display_name_key = ?",
        (identity_store_id, fold(display_name)),
    )


def find_membership(tx: Tx, identity_store_id: str, membership_id: str) -> Row | None:
    """The store's group membership with this ID, or ``None``."""
    return tx.one(
        "SELECT * FROM idc_group_memberships WHERE identity_store_id = ? AND membership_id = ?",
        (identity_store_id, membership_id),
    )


def find_membership_of(tx: Tx, identity_store_id: str, group_id: str, user_id: str) -> Row | None:
    """The membership of this user in this group, or ``None``."""
    return tx.one(
        "SELECT * FROM idc_group_memberships WHERE identity_store_id = ? AND group_id = ? AND user_id = ?",
        (identity_store_id, group_id, user_id),
    )


def groups_of_user(tx: Tx, identity_store_id: str, user_id: str) -> list[str]:
    """The IDs of the groups this user is a member of (IdC has no nested groups)."""
    rows = tx.all(
        "SELECT group_id FROM idc_group_memberships WHERE identity_store_id = ? AND user_id = ?"
        " ORDER BY created_at, membership_id",
        (identity_store_id, user_id),
    )
    return [r["group_id"] for r in rows]


def delete_principal(tx: Tx, identity_store_id: str, principal_type: str, principal_id: str) -> None:
    """Remove a user's or group's memberships and run the registered deletion steps.

    The caller deletes the principal's own row afterwards.
    """
    column = "user_id" if principal_type == USER_PRINCIPAL else "group_id"
    tx.execute(
        f"DELETE FROM idc_group_memberships WHERE identity_store_id = ? AND {column} = ?",
        (identity_store_id, principal_id),
    )
    for step in principal_deletion_steps:
        step(tx, identity_store_id, principal_type, principal_id)
