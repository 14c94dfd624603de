"""Creating a personal access token, as a signed-in user does in the WorkMail web app.

``POST /_workmail-local/workmail/personal-access-tokens``
``{"SessionToken", "OrganizationId", "Name", "Scopes"?}`` →
``{"PersonalAccessTokenId", "Token", "ExpiresTime"}``. The token is shown this once.

Refusals, in the order they are checked: 401 for an unknown or expired IdC session;
400 for a bad ``Name`` or ``Scopes``; 404 for an organization the session's account and
Region do not have; 403 ``AccessDeniedException`` when the organization is not Active,
has no identity-provider configuration, has PATs ``INACTIVE``, or the signed-in user
may not reach one of its mailboxes (``identitycenter.access.mailbox_access``).
"""

from __future__ import annotations

import json
from typing import Any

import regex

from workmail_local.control import ControlError, ControlRequest, require, route
from workmail_local.mailbox_auth.tokens import DEFAULT_SCOPES, MAILBOX_PROTOCOLS, new_token, new_token_id, token_hash
from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import compile_validator, java_pattern, summary, violation
from workmail_local.services.identitycenter.access import mailbox_access
from workmail_local.services.identitycenter.signin import find_session
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


def _invalid(message: str) -> ControlError:
    return ControlError(400, "ValidationException", message)


def _denied(message: str) -> ControlError:
    return ControlError(403, "AccessDeniedException", message)


def _name_and_scopes(body: dict[str, Any]) -> tuple[str, list[str]]:
    """The request's ``Name`` and ``Scopes`` (absent or null: every mailbox protocol), checked."""
    name = require(body, "Name")
    scopes = body.get("Scopes")
    if scopes is None:
        scopes = list(DEFAULT_SCOPES)
    elif not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise _invalid("Scopes must be a list of strings")
    problems: list[str] = []
    if _CHECK_NAME is not None:
        _CHECK_NAME(name, "name", problems)
    if not problems and not _WHOLE_NAME(name):
        problems.append(violation(name, "name", f"Member must satisfy regular expression pattern: {_NAME_PATTERN}"))
    if _CHECK_SCOPES is not None:
        _CHECK_SCOPES(scopes, "scopes", problems)
    if problems:
        raise _invalid(summary(problems))
    if any(scope not in MAILBOX_PROTOCOLS for scope in scopes) or len(set(scopes)) != len(scopes):
        raise _invalid(f"Scopes must be distinct mailbox protocols among {', '.join(MAILBOX_PROTOCOLS)}")
    return name, scopes


def _linked_mailbox_user(tx: Tx, organization_id: str, idc_user_id: str) -> Row | None:
    """The organization's not-deleted WorkMail user linked to this IdC user.

    Should an admin have linked several, an ENABLED one wins, then the oldest.
    """
    return tx.one(
        "SELECT * FROM users WHERE organization_id = ? AND identity_provider_user_id = ? AND state <> 'DELETED'"
        " ORDER BY CASE WHEN state = 'ENABLED' THEN 0 ELSE 1 END, created_at, id LIMIT 1",
        (organization_id, idc_user_id),
    )


@route("POST", "/workmail/personal-access-tokens",
       members={"SessionToken": str, "OrganizationId": str, "Name": str})
def create_personal_access_token(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """Create a token for the signed-in IdC user's mailbox in ``OrganizationId``."""
    session = find_session(req.tx, require(req.body, "SessionToken"), req.now)
    if session is None:
        raise ControlError(401, "AuthenticationFailed", "The session is unknown or has expired; sign in again.")
    organization_id = require(req.body, "OrganizationId")
    name, scopes = _name_and_scopes(req.body)

    # The organization must be in the account and Region the user signed in to.
    org = req.tx.one("SELECT * FROM organizations WHERE id = ? AND account = ? AND region = ?",
                     (organization_id, session["account"], session["region"]))
    if org is None:
        raise ControlError(404, "OrganizationNotFoundException", f"The organization {organization_id} was not found.")
    state = organization_state(org, req.now)
    if state != "Active":
        raise _denied(f"Organization {organization_id} is not Active, state: {state}")
    config = identity_provider_configuration(req.tx, organization_id)
    if config is None:
        raise _denied(f"Organization {organization_id} does not use IAM Identity Center, so it has no personal "
                      "access tokens.")
    if config["pat_status"] != "ACTIVE":
        raise _denied(f"Personal access tokens are INACTIVE in organization {organization_id}.")
    user = _linked_mailbox_user(req.tx, organization_id, session["user_id"])
    if user is None:
        raise _denied(f"No mailbox of organization {organization_id} is linked to this IAM Identity Center user.")
    access = mailbox_access(req.tx, user, session["identity_store_id"], session["user_id"])
    if not access.allowed:
        raise _denied(f"This user may not reach a mailbox of organization {organization_id}: {access.reason}.")

    token, token_id = new_token(), new_token_id()
    expires = round(req.now + config["pat_lifetime_in_days"] * DAY, 3)
    req.tx.execute(
        "INSERT INTO personal_access_tokens (id, organization_id, user_id, name, scopes, token_hash, created_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (token_id, organization_id, user["id"], name, json.dumps(scopes), token_hash(token), req.now, expires),
    )
    return 200, {"PersonalAccessTokenId": token_id, "Token": token, "ExpiresTime": expires}
