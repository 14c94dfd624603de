"""Creating a personal access token, as a signed-in user does in the WorkMail web app.

``POST /_workmail-local/workmail/personal-access-tokens``
``{"SessionToken", "OrganizationId", "Name", "Scopes"?}`` →
``{"PersonalAccessTokenId", "Token", "ExpiresTime"}``. The token is shown this once.

Refusals, in the order they are checked: 401 for an unknown or expired IdC session;
400 for a bad ``Name`` or ``Scopes``; 404 for an organization the session's account and
Region do not have; 403 ``AccessDeniedException`` when the organization is not Active,
has no identity-provider configuration, has PATs ``INACTIVE``, or the signed-in user
may not reach one of its mailboxes. The rules and the write are
``services/workmail/token_issuing.py``, which the web app's token page uses too.
"""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlError, ControlRequest, require, route
from workmail_local.services.identitycenter.signin import find_session
from workmail_local.services.workmail import token_issuing


@route("POST", "/workmail/personal-access-tokens",
       members={"SessionToken": str, "OrganizationId": str, "Name": str})
def create_personal_access_token(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """Create a token for the signed-in IdC user's mailbox in ``OrganizationId``."""
    session = find_session(req.tx, require(req.body, "SessionToken"), req.now)
    if session is None:
        raise ControlError(401, "AuthenticationFailed", "The session is unknown or has expired; sign in again.")
    organization_id = require(req.body, "OrganizationId")
    try:
        name, scopes = token_issuing.checked_name_and_scopes(require(req.body, "Name"), req.body.get("Scopes"))
    except token_issuing.InvalidTokenRequest as exc:
        raise ControlError(400, "ValidationException", str(exc)) from None

    # The organization must be in the account and Region the user signed in to.
    org = req.tx.one("SELECT * FROM organizations WHERE id = ? AND account = ? AND region = ?",
                     (organization_id, session["account"], session["region"]))
    if org is None:
        raise ControlError(404, "OrganizationNotFoundException", f"The organization {organization_id} was not found.")
    user = token_issuing.linked_mailbox_user(req.tx, organization_id, session["user_id"])
    try:
        created = token_issuing.issue_token(req.tx, org, user, session["identity_store_id"], session["user_id"],
                                            name, scopes, req.now)
    except token_issuing.TokenRefused as exc:
        raise ControlError(403, "AccessDeniedException", str(exc)) from None
    return 200, created
