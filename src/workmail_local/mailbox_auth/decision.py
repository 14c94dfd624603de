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
checked as the directory password. Good credentials then pass the organization's access
policies (``policy.admit``: access control rules, and for ActiveSync the mobile device
rules and overrides).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from workmail_local.mailbox_auth import logins
from workmail_local.mailbox_auth.passwords import verify_password
from workmail_local.mailbox_auth.policy import admit
from workmail_local.mailbox_auth.tokens import token_hash
from workmail_local.services.identitycenter.access import USER_NOT_LINKED, mailbox_access
from workmail_local.store import Row, Tx

PROTOCOLS = ("IMAP", "SMTP", "EWS", "ActiveSync", "WEB")
DIRECTORY_PASSWORD = "DIRECTORY_PASSWORD"
PERSONAL_ACCESS_TOKEN = "PERSONAL_ACCESS_TOKEN"

# Refusal reasons (the access function adds its own: USER_NOT_LINKED, NOT_ASSIGNED_TO_APPLICATION …).
UNKNOWN_USER = "UNKNOWN_USER"
USER_NOT_ENABLED = "USER_NOT_ENABLED"
INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
DIRECTORY_PASSWORD_DISABLED = "DIRECTORY_PASSWORD_DISABLED"
TOKENS_NOT_ENABLED = "PERSONAL_ACCESS_TOKENS_NOT_ENABLED"
TOKENS_INACTIVE = "PERSONAL_ACCESS_TOKENS_INACTIVE"
TOKEN_EXPIRED = "PERSONAL_ACCESS_TOKEN_EXPIRED"
TOKEN_NOT_FOR_WEB = "PERSONAL_ACCESS_TOKEN_NOT_FOR_WEB"
PROTOCOL_NOT_IN_SCOPE = "PROTOCOL_NOT_IN_TOKEN_SCOPE"


class Decision(NamedTuple):
    """Allowed (with the user's and organization's IDs and the method) or refused (with a reason code)."""

    authenticated: bool
    user_id: str | None = None
    organization_id: str | None = None
    method: str | None = None
    reason: str | None = None
    # What the access policies matched (access control rule names; mobile device rules
    # as {MobileDeviceAccessRuleId, Name}; the device override's effect), and for an
    # impersonated login the role.
    matched_rules: tuple[str, ...] | None = None
    mobile_device_rules: tuple[dict[str, Any], ...] | None = None
    mobile_device_override: str | None = None
    impersonation_role_id: str | None = None
    impersonation_type: str | None = None


def _refuse(reason: str) -> Decision:
    return Decision(False, reason=reason)


# Everything one login needs, in one read: the user the login names (of an Active
# organization not being deleted), its organization's configuration and that
# configuration's identity store, and the user's token whose hash is the secret's.
_LOGIN = (
    "SELECT u.id, u.organization_id, u.state, u.password_hash, u.identity_provider_user_id,"
    " u.identity_provider_identity_store_id, c.authentication_mode, c.pat_status, c.application_arn,"
    " i.identity_store_id AS config_identity_store_id, t.id AS token_id, t.scopes AS token_scopes,"
    " t.expires_at AS token_expires_at"
    " FROM users u JOIN organizations o ON o.id = u.organization_id"
    " LEFT JOIN identity_provider_configurations c ON c.organization_id = u.organization_id"
    " LEFT JOIN idc_instances i ON i.instance_arn = c.instance_arn"
    " LEFT JOIN personal_access_tokens t ON t.user_id = u.id AND t.token_hash = ?"
    " WHERE o.delete_requested_at IS NULL AND o.active_at <= ? AND u.state <> 'DELETED' AND "
)
_BY_EMAIL = _LOGIN + "u.email_key = ? LIMIT 2"
_BY_NAME_OR_EMAIL = _LOGIN + "u.organization_id = ? AND (u.email_key = ? OR u.name_key = ?) LIMIT 2"


def find_login(tx: Tx, username: str, secret: str, now: float, organization_id: str | None) -> Row | None:
    """The login's user (with its configuration and matching token): an email address, or
    with the organization a user name. Users of organizations that are not Active — being
    deleted, say, their alias and addresses free for a new organization — are nobody."""
    key = username.lower()
    if organization_id is None:
        rows = tx.all(_BY_EMAIL, (token_hash(secret), now, key))
    else:
        rows = tx.all(_BY_NAME_OR_EMAIL, (token_hash(secret), now, organization_id, key, key))
    return rows[0] if len(rows) == 1 else None


def authenticate(tx: Tx, username: str, secret: str, protocol: str, now: float,
                 organization_id: str | None = None, source_ip: str | None = None,
                 device: Mapping[str, str | None] | None = None) -> Decision:
    """Decide one login. ``protocol`` is one of :data:`PROTOCOLS`; ``source_ip`` is the
    client's address when known, ``device`` what an ActiveSync client reports. Every
    attempt is recorded in the login activity (``logins.record``)."""
    login = find_login(tx, username, secret, now, organization_id)
    decision = _decide(tx, login, secret, protocol, now, source_ip, device)
    tried = None if login is None else PERSONAL_ACCESS_TOKEN if login["token_id"] is not None else DIRECTORY_PASSWORD
    logins.record(tx, now, username, protocol, source_ip, decision.authenticated,
                  login["organization_id"] if login is not None else organization_id,
                  login["id"] if login is not None else None, decision.method or tried, decision.reason)
    return decision


def _decide(tx: Tx, login: Row | None, secret: str, protocol: str, now: float, source_ip: str | None,
            device: Mapping[str, str | None] | None) -> Decision:
    if login is None:
        verify_password(None, secret)  # as slow as a wrong password: the answer's timing tells nothing
        return _refuse(UNKNOWN_USER)
    if login["state"] != "ENABLED":
        return _refuse(USER_NOT_ENABLED)
    if login["token_id"] is not None:
        decision = _check_token(tx, login, protocol, now)
    else:
        decision = _check_password(tx, login, secret)
    if decision.authenticated:
        decision = decision._replace(**admit(tx, login["organization_id"], login["id"], protocol, source_ip, device))
    if decision.authenticated and decision.method == PERSONAL_ACCESS_TOKEN:
        # Only a token that opened the mailbox was used: not one the access policies refused.
        tx.defer("UPDATE personal_access_tokens SET last_used_at = ? WHERE id = ?", (now, login["token_id"]))
    return decision


def _check_token(tx: Tx, login: Row, protocol: str, now: float) -> Decision:
    if login["authentication_mode"] is None:
        return _refuse(TOKENS_NOT_ENABLED)
    if protocol == "WEB":
        return _refuse(TOKEN_NOT_FOR_WEB)
    if login["pat_status"] != "ACTIVE":
        return _refuse(TOKENS_INACTIVE)
    if now >= login["token_expires_at"]:
        return _refuse(TOKEN_EXPIRED)
    if protocol not in orjson.loads(login["token_scopes"]):
        return _refuse(PROTOCOL_NOT_IN_SCOPE)
    store_id, idc_user_id = login["identity_provider_identity_store_id"], login["identity_provider_user_id"]
    if store_id is None or idc_user_id is None:
        return _refuse(USER_NOT_LINKED)
    config = {"application_arn": login["application_arn"], "identity_store_id": login["config_identity_store_id"]}
    access = mailbox_access(tx, login, store_id, idc_user_id, config)
    if not access.allowed:
        return _refuse(access.reason or "ACCESS_DENIED")
    return Decision(True, login["id"], login["organization_id"], PERSONAL_ACCESS_TOKEN)


def _check_password(tx: Tx, login: Row, secret: str) -> Decision:
    if login["authentication_mode"] == "IDENTITY_PROVIDER_ONLY":
        return _refuse(DIRECTORY_PASSWORD_DISABLED)
    check = verify_password(login["password_hash"], secret)
    if not check.ok:
        return _refuse(INVALID_CREDENTIALS)
    if check.new_hash is not None:
        tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (check.new_hash, login["id"]))
    return Decision(True, login["id"], login["organization_id"], DIRECTORY_PASSWORD)
