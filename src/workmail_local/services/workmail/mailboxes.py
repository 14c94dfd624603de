"""Users' mailboxes: GetMailboxDetails and UpdateMailboxQuota.

A user has a mailbox from its first registration on: a DISABLED user that was once
ENABLED keeps its mailbox, quota and size (as WorkMail keeps a disabled user's mailbox);
a never-registered or deleted user has none. Groups have no mailbox, and a resource's
is a calendar without a quota: both are not found here.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.mail import mailstore
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import USER, Entity
from workmail_local.services.workmail.organizations import require_active_organization

# WorkMail's mailbox size limit (50 GB), the quota of a mailbox nobody changed, in MB.
DEFAULT_QUOTA_MB = 51_200
MAX_QUOTA_MB = DEFAULT_QUOTA_MB


def mailbox_size_mb(ctx: RequestContext, user: Entity) -> float:
    """How much of its quota a user's mailbox uses, in MB: its Maildir's messages in the
    mail store (``--mail-dir``); 0 without a mail store."""
    return mailstore.size_bytes(mailstore.maildir_of(ctx.settings, user.id)) / (1024 * 1024)


def _user_with_mailbox(ctx: RequestContext, params: dict[str, Any]) -> Entity:
    org = require_active_organization(ctx, params["OrganizationId"])
    user = entities.require(ctx, org["id"], params["UserId"], (USER,))
    if user.state == "DELETED" or user["mailbox_provisioned_at"] is None:
        raise errors.EntityNotFoundException(
            f"The user {user.id} has no mailbox in organization {org['id']}"
            + (" (deleted)." if user.state == "DELETED" else " (never registered to WorkMail).")
        )
    return user


@handlers("GetMailboxDetails")
def get_mailbox_details(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    user = _user_with_mailbox(ctx, params)
    return {"MailboxQuota": user["mailbox_quota"] or DEFAULT_QUOTA_MB, "MailboxSize": mailbox_size_mb(ctx, user)}


@handlers("UpdateMailboxQuota")
def update_mailbox_quota(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    quota = params["MailboxQuota"]  # the model's minimum is 1; its maximum is WorkMail's limit
    if quota > MAX_QUOTA_MB:
        raise errors.InvalidParameterException(
            f"The mailbox quota {quota} MB is more than the largest a mailbox may have, {MAX_QUOTA_MB} MB."
        )
    user = entities.require(ctx, org["id"], params["UserId"], (USER,))
    entities.require_enabled(user, "change its mailbox quota")
    ctx.tx.execute("UPDATE users SET mailbox_quota = ? WHERE id = ?", (quota, user.id))
