"""May this IdC user reach this WorkMail mailbox? One function, one answer with a reason.

Used wherever a mailbox is reached through IAM Identity Center: creating a personal
access token, and every login with one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from workmail_local.services.identitycenter.directory import GROUP_PRINCIPAL, USER_PRINCIPAL
from workmail_local.store import Tx

# Why access is refused (stable codes; the authentication endpoint reports them).
NO_IDENTITY_PROVIDER_CONFIGURATION = "NO_IDENTITY_PROVIDER_CONFIGURATION"
OTHER_IDENTITY_CENTER_INSTANCE = "OTHER_IDENTITY_CENTER_INSTANCE"
IDENTITY_CENTER_USER_NOT_FOUND = "IDENTITY_CENTER_USER_NOT_FOUND"
USER_NOT_ENABLED = "USER_NOT_ENABLED"
USER_NOT_LINKED = "USER_NOT_LINKED"
NOT_ASSIGNED_TO_APPLICATION = "NOT_ASSIGNED_TO_APPLICATION"


class Access(NamedTuple):
    """The answer: allowed, or refused with one of the reason codes above."""

    allowed: bool
    reason: str | None = None


def mailbox_access(tx: Tx, workmail_user: Mapping[str, Any], identity_store_id: str, idc_user_id: str,
                   config: Mapping[str, Any] | None = None) -> Access:
    """Whether IdC user ``idc_user_id`` of ``identity_store_id`` may reach ``workmail_user``'s mailbox.

    All must hold: the user's organization has an identity-provider configuration whose
    instance owns this identity store; the IdC user exists; the WorkMail user is ENABLED
    and linked to that IdC user; the IdC user is assigned to the configuration's
    application, directly or through a group. ``config`` (``application_arn`` and the
    instance's ``identity_store_id``) may be passed by a caller that has already read it.
    """
    if config is None:
        config = tx.one(
            "SELECT c.application_arn, i.identity_store_id FROM identity_provider_configurations c"
            " JOIN idc_instances i ON i.instance_arn = c.instance_arn WHERE c.organization_id = ?",
            (workmail_user["organization_id"],),
        )
    if config is None or config["application_arn"] is None:
        return Access(False, NO_IDENTITY_PROVIDER_CONFIGURATION)
    if config["identity_store_id"] != identity_store_id:
        return Access(False, OTHER_IDENTITY_CENTER_INSTANCE)
    # Both remaining facts about the IdC user in one read: this runs on every token login.
    facts = tx.one(_IDC_USER_FACTS, (identity_store_id, idc_user_id, config["application_arn"], USER_PRINCIPAL,
                                     idc_user_id, GROUP_PRINCIPAL, identity_store_id, idc_user_id))
    if not facts["user_exists"]:
        return Access(False, IDENTITY_CENTER_USER_NOT_FOUND)
    if workmail_user["state"] != "ENABLED":
        return Access(False, USER_NOT_ENABLED)
    if workmail_user["identity_provider_user_id"] != idc_user_id:
        return Access(False, USER_NOT_LINKED)
    if not facts["assigned"]:
        return Access(False, NOT_ASSIGNED_TO_APPLICATION)
    return Access(True)


# Whether the IdC user exists, and whether it is assigned to the application directly or
# through one of its groups (IdC has no nested groups).
_IDC_USER_FACTS = (
    "SELECT EXISTS (SELECT 1 FROM idc_users WHERE identity_store_id = ? AND user_id = ?) AS user_exists,"
    " EXISTS (SELECT 1 FROM idc_application_assignments WHERE application_arn = ? AND ("
    "  (principal_type = ? AND principal_id = ?) OR (principal_type = ? AND principal_id IN"
    "   (SELECT group_id FROM idc_group_memberships WHERE identity_store_id = ? AND user_id = ?)))) AS assigned"
)
