"""Personal access tokens, the admin side: list, read and delete a user's tokens.

Admins can do all three whatever the organization's PAT status (INACTIVE blocks only
users and logins). Users create tokens through the web app, which the control API
stands in for (``control/personal_access_tokens.py``).

A deleted user's tokens are gone for admins too: ListPersonalAccessTokens refuses that
user (EntityStateException), so the organization-wide list leaves their tokens out and
GetPersonalAccessTokenMetadata does not find them (they can never authenticate again).
"""

from __future__ import annotations

import json
from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.organizations import require_active_organization
from workmail_local.store import Row

# The tokens admins see: those of the organization's users that are not deleted.
_SELECT_TOKENS = "SELECT t.* FROM personal_access_tokens t JOIN users u ON u.id = t.user_id"
_VISIBLE_TOKENS = "t.organization_id = ? AND u.state <> 'DELETED'"


def token_summary(row: Row) -> dict[str, Any]:
    """A stored token as ``PersonalAccessTokenSummary`` (also GetPersonalAccessTokenMetadata's answer)."""
    return {
        "PersonalAccessTokenId": row["id"],
        "UserId": row["user_id"],
        "Name": row["name"],
        "DateCreated": row["created_at"],
        "DateLastUsed": row["last_used_at"],
        "ExpiresTime": row["expires_at"],
        "Scopes": json.loads(row["scopes"]),
    }


@handlers("ListPersonalAccessTokens")
def list_personal_access_tokens(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The organization's tokens, or one user's (by user ID, name or email), oldest first."""
    org = require_active_organization(ctx, params["OrganizationId"])
    scope_sql, scope_args = _VISIBLE_TOKENS, [org["id"]]
    if "UserId" in params:
        user = entities.require(ctx, org["id"], params["UserId"], (entities.USER,))
        entities.require_not_deleted(user)
        scope_sql, scope_args = _VISIBLE_TOKENS + " AND t.user_id = ?", [org["id"], user["id"]]

    # The page token is bound to the organization and the resolved user.
    rows, next_token = ctx.page(params, _SELECT_TOKENS, scope_sql, scope_args, ("t.created_at", "t.id"))
    return {"PersonalAccessTokenSummaries": [token_summary(r) for r in rows], "NextToken": next_token}


@handlers("GetPersonalAccessTokenMetadata")
def get_personal_access_token_metadata(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """One token's metadata (never its secret); ResourceNotFoundException when there is none."""
    org = require_active_organization(ctx, params["OrganizationId"])
    row = ctx.tx.one(f"{_SELECT_TOKENS} WHERE {_VISIBLE_TOKENS} AND t.id = ?",  # noqa: S608 - fixed SQL text
                     (org["id"], params["PersonalAccessTokenId"]))
    if row is None:
        raise errors.ResourceNotFoundException(
            f"The personal access token {params['PersonalAccessTokenId']} was not found in organization {org['id']}."
        )
    return token_summary(row)


@handlers("DeletePersonalAccessToken")
def delete_personal_access_token(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete a token: it stops authenticating at once."""
    org = require_active_organization(ctx, params["OrganizationId"])
    # Absent (or already deleted) is a success: the model has no not-found error here.
    ctx.tx.execute("DELETE FROM personal_access_tokens WHERE organization_id = ? AND id = ?",
                   (org["id"], params["PersonalAccessTokenId"]))
