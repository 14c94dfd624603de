"""The login activity as JSON.

``GET /_workmail-local/mailbox/logins?OrganizationId=…&UserId=…&Result=ALLOWED|REFUSED&MaxResults=…&NextToken=…``
→ ``{"Logins": [{"Time", "OrganizationId", "UserId", "Username", "Protocol", "SourceIp",
"Method", "Result", "Reason"}], "NextToken"}``, newest first; every filter is optional.
``NextToken`` is null on the last page. An admin route: under ``--auth enforce`` it is
signed, and ``OrganizationId`` must name an organization of the signing account.
"""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlError, ControlRequest, route
from workmail_local.mailbox_auth import logins

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def _invalid(message: str) -> ControlError:
    return ControlError(400, "ValidationException", message)


def _max_results(body: dict[str, Any]) -> int:
    value = body.get("MaxResults")
    if value is None:
        return DEFAULT_PAGE
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise _invalid(f"MaxResults must be a whole number from 1 to {MAX_PAGE}")
    return int(text)


@route("GET", "/mailbox/logins", admin=True,
       members={"OrganizationId": str, "UserId": str, "Result": str, "MaxResults": (str, int), "NextToken": str})
def list_logins(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """One page of the recorded mailbox login attempts, newest first."""
    body = req.body
    result = body.get("Result")
    if result is not None and result not in (logins.ALLOWED, logins.REFUSED):
        raise _invalid("Result must be ALLOWED or REFUSED")
    organization_id = body.get("OrganizationId")
    if req.app.key_secrets is not None:
        owned = organization_id is not None and req.tx.one(
            "SELECT 1 FROM organizations WHERE id = ? AND account = ? AND region = ?",
            (organization_id, req.account, req.region))
        if not owned:
            raise ControlError(404, "OrganizationNotFoundException",
                               f"Give the OrganizationId of an organization of account {req.account}, {req.region}.")
    limit = _max_results(body)
    binding = f"mailbox/logins|{req.account}|{req.region}|{logins.filters_of(body)}"
    before = None
    if body.get("NextToken") is not None:
        cursor = req.app.tokens.decode(binding, body["NextToken"])
        if cursor is None or len(cursor) != 1 or type(cursor[0]) is not int:
            raise _invalid("The NextToken is invalid or was issued for a different request.")
        before = cursor[0]
    rows = logins.page(req.tx, organization_id, body.get("UserId"), result, before, limit + 1)
    next_token = req.app.tokens.encode(binding, [rows[limit - 1]["seq"]]) if len(rows) > limit else None
    return 200, {"Logins": [logins.as_json(row) for row in rows[:limit]], "NextToken": next_token}
