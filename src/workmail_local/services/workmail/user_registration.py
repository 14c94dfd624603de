"""RegisterToWorkMail and DeregisterFromWorkMail for users: giving a user a mailbox and
primary address (ENABLED), and taking them away again (DISABLED, address released).

Dates: registering sets EnabledDate and MailboxProvisionedDate and clears the previous
DisabledDate/MailboxDeprovisionedDate; deregistering sets DisabledDate and
MailboxDeprovisionedDate and keeps the last EnabledDate/MailboxProvisionedDate.
"""

from __future__ import annotations

from typing import Any

import regex

from workmail_local.context import RequestContext
from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import java_pattern
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.organizations import require_active_organization

# The model's pattern is searched, so it lets "a b@x.com" through: an address we hand
# out as a mailbox must be one as a whole.
_WHOLE_ADDRESS = regex.compile(
    java_pattern(load_service("workmail").model.shape_for("EmailAddress").metadata["pattern"])
)


def _check_address(ctx: RequestContext, organization_id: str, email: str) -> None:
    """The address must be well formed, on one of the organization's mail domains, and free."""
    if _WHOLE_ADDRESS.fullmatch(email) is None:
        raise errors.InvalidParameterException(f"The email address {email} is not a valid email address.")
    domain = email.rpartition("@")[2].lower()
    known = ctx.tx.one("SELECT 1 FROM mail_domains WHERE organization_id = ? AND domain = ?",
                       (organization_id, domain))
    if known is None:
        raise errors.MailDomainNotFoundException(
            f"The mail domain {domain} was not found in organization {organization_id}."
        )
    if entities.email_in_use(ctx, organization_id, email):
        raise errors.EmailAddressInUseException(
            f"The email address {email} is already in use in organization {organization_id}."
        )


@handlers("RegisterToWorkMail")
def register_to_workmail(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    # The model documents IDs and names for this operation, not addresses.
    user = entities.require_user(ctx, org["id"], params["EntityId"], by_email=False)
    entities.require_not_deleted(user)
    if user["state"] == "ENABLED":
        raise errors.EntityAlreadyRegisteredException(f"The user {user['id']} is already registered to WorkMail.")
    email = params["Email"]
    _check_address(ctx, org["id"], email)
    ctx.tx.execute(
        "UPDATE users SET state = 'ENABLED', email = ?, email_key = ?, enabled_at = ?, mailbox_provisioned_at = ?,"
        " disabled_at = NULL, mailbox_deprovisioned_at = NULL WHERE id = ?",
        (email, entities.key(email), ctx.now, ctx.now, user["id"]),
    )


@handlers("DeregisterFromWorkMail")
def deregister_from_workmail(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    user = entities.require_user(ctx, org["id"], params["EntityId"])
    if user["state"] != "ENABLED":
        raise errors.EntityStateException(f"The user {user['id']} is not ENABLED, state: {user['state']}")
    ctx.tx.execute(
        "UPDATE users SET state = 'DISABLED', email = NULL, email_key = NULL, disabled_at = ?,"
        " mailbox_deprovisioned_at = ? WHERE id = ?",
        (ctx.now, ctx.now, user["id"]),
    )
