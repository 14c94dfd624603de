"""Issuing a personal access token to a signed-in user: the one set of rules and the one
write, used by the control API (``control/personal_access_tokens.py``) and by the web
app's Settings → Personal access tokens page (``web/mail.py``).

A token may be issued when the organization is Active, has an identity-provider
configuration with PATs ``ACTIVE``, and the mailbox's user may reach it through IAM
Identity Center (``identitycenter.access.mailbox_access``). The secret is returned
this once and stored only as its hash.
"""

from __future__ import annotations

import json
from typing import Any

import regex

from workmail_local.clock import to_millisecond
from workmail_local.mailbox_auth.tokens import DEFAULT_SCOPES, MAILBOX_PROTOCOLS, new_token, new_token_id, token_hash
from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import compile_validator, java_pattern, summary, violation
from workmail_local.services.identitycenter.access import mailbox_access
from workmail_local.services.workmail.identity_provider import identity_provider_configuration
from workmail_local.services.workmail.organizations import organization_state
from workmail_local.store import Row, Tx

DAY = 86400
_MODEL = load_service("workmail").model
# The token's name and scopes obey the same model shapes the admin API returns them in.
_NAME_SHAPE = _MODEL.shape_for("PersonalAccessTokenName")
_CHECK_NAME = compile_validator(_NAME_SHAPE)
_CHECK_SCOPES = compile_validator(_MODEL.shape_for("PersonalAccessTokenScopeList"))
# The name pattern is one negated character class. Model patterns are searched, so one
# allowed character anywhere satisfies it; the web app refuses a forbidden character
# (control characters, '<', '>', '\') anywhere, so the whole name must match here.
_NAME_PATTERN = _NAME_SHAPE.metadata["pattern"]
_WHOLE_NAME = regex.compile(java_pattern(_NAME_PATTERN)).fullmatch


class InvalidTokenRequest(ValueError):
    """A bad name or scope list (the control API's 400)."""


class TokenRefused(Exception):
    """The user may not have a token now (the control API's 403); ``str()`` says why."""


def checked_name_and_scopes(name: str, scopes: Any) -> tuple[str, list[str]]:
    """``name`` and ``scopes`` (``None``: every mailbox protocol), checked against the model."""
    if scopes is None:
        scopes = list(DEFAULT_SCOPES)
    elif not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise InvalidTokenRequest("Scopes must be a list of strings")
    problems: list[str] = []
    if _CHECK_NAME is not None:
        _CHECK_NAME(name, "name", problems)
    if not problems and not _WHOLE_NAME(name):
        problems.append(violation(name, "name", f"Member must satisfy regular expression pattern: {_NAME_PATTERN}"))
    if _CHECK_SCOPES is not None:
        _CHECK_SCOPES(scopes, "scopes", problems)
    if problems:
        raise InvalidTokenRequest(summary(problems))
    if any(scope not in MAILBOX_PROTOCOLS for scope in scopes) or len(set(scopes)) != len(scopes):
        raise InvalidTokenRequest(f"Scopes must be distinct mailbox protocols among {', '.join(MAILBOX_PROTOCOLS)}")
    return name, scopes


def linked_mailbox_user(tx: Tx, organization_id: str, idc_user_id: str) -> Row | None:
    """The organization's not-deleted WorkMail user linked to this IdC user.

    Should an admin have linked several, an ENABLED one wins, then the oldest.
    """
    return tx.one(
        "SELECT * FROM users WHERE organization_id = ? AND identity_provider_user_id = ? AND state <> 'DELETED'"
        " ORDER BY CASE WHEN state = 'ENABLED' THEN 0 ELSE 1 END, created_at, id LIMIT 1",
        (organization_id, idc_user_id),
    )


def refusal(tx: Tx, org: Row, user: Row | None, identity_store_id: str | None, idc_user_id: str | None,
            now: float) -> tuple[Row, str] | str:
    """Why ``user`` (reached as IdC user ``idc_user_id``) may not have a token in ``org``
    now, as a sentence; or, when they may, the organization's configuration and ``""``."""
    organization_id = org["id"]
    state = organization_state(org, now)
    if state != "Active":
        return f"Organization {organization_id} is not Active, state: {state}"
    config = identity_provider_configuration(tx, organization_id)
    if config is None:
        return (f"Organization {organization_id} does not use IAM Identity Center, so it has no personal "
                "access tokens.")
    if config["pat_status"] != "ACTIVE":
        return f"Personal access tokens are INACTIVE in organization {organization_id}."
    if user is None or identity_store_id is None or idc_user_id is None:
        return f"No mailbox of organization {organization_id} is linked to this IAM Identity Center user."
    access = mailbox_access(tx, user, identity_store_id, idc_user_id)
    if not access.allowed:
        return f"This user may not reach a mailbox of organization {organization_id}: {access.reason}."
    return config, ""


def issue_token(tx: Tx, org: Row, user: Row | None, identity_store_id: str | None, idc_user_id: str | None,
                name: str, scopes: list[str], now: float) -> dict[str, Any]:
    """Store a new token for ``user`` (name and scopes already checked) and return
    ``{"PersonalAccessTokenId", "Token", "ExpiresTime"}``; :class:`TokenRefused` when
    :func:`refusal` says no."""
    why = refusal(tx, org, user, identity_store_id, idc_user_id, now)
    if isinstance(why, str):
        raise TokenRefused(why)
    config = why[0]
    assert user is not None
    token, token_id = new_token(), new_token_id()
    expires = to_millisecond(now + config["pat_lifetime_in_days"] * DAY)
    tx.execute(
        "INSERT INTO personal_access_tokens (id, organization_id, user_id, name, scopes, token_hash, created_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (token_id, org["id"], user["id"], name, json.dumps(scopes), token_hash(token), now, expires),
    )
    return {"PersonalAccessTokenId": token_id, "Token": token, "ExpiresTime": expires}
