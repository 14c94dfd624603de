"""The mailbox authentication endpoint that mail servers (Dovecot, via checkpassword) ask.

``POST /_workmail-local/mailbox/authenticate`` ``{"Username", "Secret", "Protocol",
"OrganizationId"?}`` → ``{"Authenticated": true, "UserId", "OrganizationId", "Method"}``
or ``{"Authenticated": false, "Reason"}`` — a refusal is an answer (200), not an error.
The secret is never logged or echoed. DateLastUsed is committed before the answer but
without waiting for the disk: a crash of the server keeps it, a power loss may lose the
last moments of it.
"""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlError, ControlRequest, require, route
from workmail_local.mailbox_auth.decision import PROTOCOLS, authenticate


# A login writes only DateLastUsed (and, rarely, a rehashed password): it need not wait
# for the disk, and every IMAP/SMTP login comes this way.
@route("POST", "/mailbox/authenticate", durable=False,
       members={"Username": str, "Secret": str, "Protocol": str, "OrganizationId": str})
def authenticate_mailbox(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    username = require(req.body, "Username")
    secret = require(req.body, "Secret")
    protocol = require(req.body, "Protocol")
    if protocol not in PROTOCOLS:
        raise ControlError(400, "ValidationException", f"Protocol must be one of {', '.join(PROTOCOLS)}")
    organization_id = req.body.get("OrganizationId")
    if organization_id is not None and not isinstance(organization_id, str):
        raise ControlError(400, "ValidationException", "OrganizationId must be a string")
    decision = authenticate(req.tx, username, secret, protocol, req.now, organization_id)
    if not decision.authenticated:
        return 200, {"Authenticated": False, "Reason": decision.reason}
    return 200, {"Authenticated": True, "UserId": decision.user_id, "OrganizationId": decision.organization_id,
                 "Method": decision.method}
