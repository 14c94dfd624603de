"""Linking WorkMail users to IdC users at sign-in.

WorkMail fills ``IdentityProviderUserId`` (and the identity store ID) on a user's first
login through IdC. Here: at each successful IdC sign-in, in every WorkMail organization
of that account and region whose identity-provider configuration uses the instance, an
unlinked, not-deleted WorkMail user with the same user name is linked.
"""

from __future__ import annotations

from workmail_local.store import Row, Tx


def link_workmail_users(tx: Tx, instance: Row, idc_user: Row) -> int:
    """Link the IdC user's namesakes; how many WorkMail users were linked."""
    organizations = tx.all(
        "SELECT c.organization_id FROM identity_provider_configurations c"
        " JOIN organizations o ON o.id = c.organization_id"
        " WHERE o.account = ? AND o.region = ? AND c.instance_arn = ? AND o.delete_requested_at IS NULL",
        (instance["account"], instance["region"], instance["instance_arn"]),
    )
    linked = 0
    for org in organizations:
        # WorkMail compares user names case-insensitively (users.name_key is the lower-cased name).
        linked += tx.execute(
            "UPDATE users SET identity_provider_user_id = ?, identity_provider_identity_store_id = ?"
            " WHERE organization_id = ? AND name_key = ? AND state <> 'DELETED'"
            " AND identity_provider_user_id IS NULL",
            (idc_user["user_id"], instance["identity_store_id"], org["organization_id"],
             idc_user["user_name"].lower()),
        )
    return linked
