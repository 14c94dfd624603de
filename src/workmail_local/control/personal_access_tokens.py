"""Creating a personal access token, as a signed-in user does in the WorkMail web app.

``POST /_workmail-local/workmail/personal-access-tokens``
``{"SessionToken", "OrganizationId", "Name", "Scopes"?}`` →
``{"PersonalAccessTokenId", "Token", "ExpiresTime"}``. The token is shown this once.
"""

from __future__ import annotations

import json
from typing import Any

from workmail_local.control import ControlError, ControlRequest, require, route
from workmail_local.mailbox_auth.tokens import DEFAULT_SCOPES, MAILBOX_PROTOCOLS, new_token, new_token_id, token_hash
from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import compile_validator, summary
from workmail_local.services.identitycenter.access import mailbox_access
from workmail_local.services.identitycenter.signin import find_session
from workmail_local.services.workmail.identity_provider import identity_provider_configuration
from workmail_local.services.workmail.organizations import organization_state

DAY = 86400
_MODEL = load_service("workmail").model
# The token's name and scopes obey the same model shapes the admin API returns them in.
_CHECK_NAME = compile_validator(_MODEL.shape_for("PersonalAccessTokenName"))
_CHECK_SCOPES = compile_validator(_MODEL.shape_for("PersonalAccessTokenScopeList"))


def _denied(message: str) -> ControlError:
    return ControlError(403, "AccessDeniedException", message)


@route("POST", "/workmail/personal-access-tokens")
def create_personal_access_token(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    session = find_session(req.tx, require(req.body, "SessionToken"), req.now)
    if session is None:
        raise ControlError(401, "AuthenticationFailed", "The session is unknown or has expired; sign in again.")
    organization_id = require(req.body, "OrganizationId")
    name = require(req.body, "Name")
    scopes = req.body.get("Scopes", DEFAULT_SCOPES)
    problems: list[str] = []
    for check, value, path in ((_CHECK_NAME, name, "name"), (_CHECK_SCOPES, scopes, "scopes")):
        if not isinstance(value, str if path == "name" else list):
            raise ControlError(400, "ValidationException", f"{path} has the wrong type")
        if check is not None:
            check(value, path, problems)
    if problems:
        raise ControlError(400, "ValidationException", summary(problems))
    unknown = [s for s in scopes if s not in MAILBOX_PROTOCOLS]
    if unknown or len(set(scopes)) != len(scopes):
        raise ControlError(400, "ValidationException",
                           f"Scopes must be distinct mailbox protocols among {', '.join(MAILBOX_PROTOCOLS)}")

    org = req.tx.one("SELECT * FROM organizations WHERE id = ? AND account = ? AND region = ?",
                     (organization_id, session["account"], session["region"]))
    if org is None:
        raise ControlError(404, "OrganizationNotFoundException", f"The organization {organization_id} was not found.")
    if organization_state(org, req.now) != "Active":
        raise _denied(f"Organization {organization_id} is not Active.")
    config = identity_provider_configuration(req.tx, organization_id)
    if config is None:
        raise _denied(f"Organization {organization_id} does not use IAM Identity Center, so it has no personal "
                      "access tokens.")
    if config["pat_status"] != "ACTIVE":
        raise _denied(f"Personal access tokens are INACTIVE in organization {organization_id}.")
    user = req.tx.one(
        "SELECT * FROM users WHERE organization_id = ? AND identity_provider_user_id = ? AND state <> 'DELETED'",
        (organization_id, session["user_id"]),
    )
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
