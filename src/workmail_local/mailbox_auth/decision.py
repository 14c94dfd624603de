"""The authentication decision: may this secret open this mailbox over this protocol?

Every rule of DESIGN's "Semantics chosen" lives here, and only here:
- no identity-provider configuration: the directory password only;
- ``IDENTITY_PROVIDER_AND_DIRECTORY``: the directory password or a valid token;
- ``IDENTITY_PROVIDER_ONLY``: a valid token only; the directory password is refused for
  every protocol, the web included (there users sign in through IdC);
- a token is valid when tokens are ACTIVE for the organization, it is not expired or
  deleted, its scopes include the protocol, it is not used for the web, and the user
  may reach the mailbox through IdC (``identitycenter.access``). Each use sets its
  ``DateLastUsed``.
A secret is a token when its hash is a stored token of this user; otherwise it is
checked as the directory password.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from workmail_local.mailbox_auth.passwords import verify_password
from workmail_local.mailbox_auth.tokens import token_hash
from workmail_local.services.identitycenter.access import USER_NOT_LINKED, mailbox_access
from workmail_local.services.workmail.identity_provider import identity_provider_configuration
from workmail_local.services.workmail.organizations import organization_state
from workmail_local.store import Row, Tx

PROTOCOLS = ("IMAP", "SMTP", "EWS", "ActiveSync", "WEB")
DIRECTORY_PASSWORD = "DIRECTORY_PASSWORD"
PERSONAL_ACCESS_TOKEN = "PERSONAL_ACCESS_TOKEN"

# Refusal reasons (the access function adds its own: USER_NOT_LINKED, NOT_ASSIGNED_TO_APPLICATION …).
UNKNOWN_USER = "UNKNOWN_USER"
ORGANIZATION_NOT_ACTIVE = "ORGANIZATION_NOT_ACTIVE"
USER_NOT_ENABLED = "USER_NOT_ENABLED"
INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
DIRECTORY_PASSWORD_DISABLED = "DIRECTORY_PASSWORD_DISABLED"
TOKENS_NOT_ENABLED = "PERSONAL_ACCESS_TOKENS_NOT_ENABLED"
TOKENS_INACTIVE = "PERSONAL_ACCESS_TOKENS_INACTIVE"
TOKEN_EXPIRED = "PERSONAL_ACCESS_TOKEN_EXPIRED"
TOKEN_NOT_FOR_WEB = "PERSONAL_ACCESS_TOKEN_NOT_FOR_WEB"
PROTOCOL_NOT_IN_SCOPE = "PROTOCOL_NOT_IN_TOKEN_SCOPE"


class Decision(NamedTuple):
    """Allowed (with the user and the method) or refused (with a reason code)."""

    authenticated: bool
    user: Row | None = None
    method: str | None = None
    reason: str | None = None


def _refuse(reason: str) -> Decision:
    return Decision(False, reason=reason)


def find_mailbox_user(tx: Tx, username: str, organization_id: str | None) -> Row | None:
    """The not-deleted user a login names: an email address, or (with the organization) a user name."""
    key = username.lower()
    # Users of deleted organizations keep their addresses, which a new organization with
    # the same alias may hand out again: only organizations not being deleted count.
    live = "SELECT u.* FROM users u JOIN organizations o ON o.id = u.organization_id" \
           " WHERE o.delete_requested_at IS NULL AND u.state <> 'DELETED'"
    if organization_id is None:
        rows = tx.all(f"{live} AND u.email_key = ? LIMIT 2", (key,))
    else:
        rows = tx.all(f"{live} AND u.organization_id = ? AND (u.email_key = ? OR u.name_key = ?) LIMIT 2",
                      (organization_id, key, key))
    return rows[0] if len(rows) == 1 else None


def authenticate(tx: Tx, username: str, secret: str, protocol: str, now: float,
                 organization_id: str | None = None) -> Decision:
    """Decide one login. ``protocol`` is one of :data:`PROTOCOLS`."""
    user = find_mailbox_user(tx, username, organization_id)
    if user is None:
        verify_password(None, secret)  # as slow as a wrong password: the answer's timing tells nothing
        return _refuse(UNKNOWN_USER)
    org = tx.one("SELECT * FROM organizations WHERE id = ?", (user["organization_id"],))
    if organization_state(org, now) != "Active":
        return _refuse(ORGANIZATION_NOT_ACTIVE)
    if user["state"] != "ENABLED":
        return _refuse(USER_NOT_ENABLED)
    config = identity_provider_configuration(tx, org["id"])
    token = tx.one("SELECT * FROM personal_access_tokens WHERE token_hash = ? AND user_id = ?",
                   (token_hash(secret), user["id"]))
    if token is not None:
        return _check_token(tx, user, token, config, protocol, now)
    return _check_password(tx, user, secret, config)


def _check_token(tx: Tx, user: Row, token: Row, config: Row | None, protocol: str, now: float) -> Decision:
    if config is None:
        return _refuse(TOKENS_NOT_ENABLED)
    if protocol == "WEB":
        return _refuse(TOKEN_NOT_FOR_WEB)
    if config["pat_status"] != "ACTIVE":
        return _refuse(TOKENS_INACTIVE)
    if now >= token["expires_at"]:
        return _refuse(TOKEN_EXPIRED)
    if protocol not in json.loads(token["scopes"]):
        return _refuse(PROTOCOL_NOT_IN_SCOPE)
    store_id, idc_user_id = user["identity_provider_identity_store_id"], user["identity_provider_user_id"]
    if store_id is None or idc_user_id is None:
        return _refuse(USER_NOT_LINKED)
    access = mailbox_access(tx, user, store_id, idc_user_id)
    if not access.allowed:
        return _refuse(access.reason or "ACCESS_DENIED")
    tx.execute("UPDATE personal_access_tokens SET last_used_at = ? WHERE id = ?", (now, token["id"]))
    return Decision(True, user, PERSONAL_ACCESS_TOKEN)


def _check_password(tx: Tx, user: Row, secret: str, config: Row | None) -> Decision:
    if config is not None and config["authentication_mode"] == "IDENTITY_PROVIDER_ONLY":
        return _refuse(DIRECTORY_PASSWORD_DISABLED)
    check = verify_password(user["password_hash"], secret)
    if not check.ok:
        return _refuse(INVALID_CREDENTIALS)
    if check.new_hash is not None:
        tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (check.new_hash, user["id"]))
    return Decision(True, user, DIRECTORY_PASSWORD)
