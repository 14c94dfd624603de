"""An impersonated EWS login: an application presents the token AssumeImpersonationRole
gave it and names the user whose mailbox it acts on.

Allowed while the token is unexpired (on the emulator's clock), its role still exists
(deleting the role deletes its tokens), the organization is Active, the target is an
enabled user of the organization, the role's rules allow that target
(``impersonation.evaluate``) and the access control rules allow the role over EWS
(``policy.admit`` with the role and no user: rules on users do not match it).
"""

from __future__ import annotations

from workmail_local.mailbox_auth import impersonation, logins
from workmail_local.mailbox_auth.decision import UNKNOWN_USER, USER_NOT_ENABLED, Decision
from workmail_local.mailbox_auth.policy import admit
from workmail_local.mailbox_auth.tokens import token_hash
from workmail_local.store import Tx

IMPERSONATION_ROLE = "IMPERSONATION_ROLE"
INVALID_TOKEN = "INVALID_IMPERSONATION_TOKEN"
TOKEN_EXPIRED = "IMPERSONATION_TOKEN_EXPIRED"
RULE_DENIED = "IMPERSONATION_RULE_DENIED"

_TOKEN = (
    "SELECT t.organization_id, t.expires_at, r.id AS role_id, r.role_type, r.rules, r.targets"
    " FROM impersonation_tokens t JOIN impersonation_roles r ON r.id = t.role_id"
    " JOIN organizations o ON o.id = t.organization_id"
    " WHERE t.token_hash = ? AND o.delete_requested_at IS NULL AND o.active_at <= ?"
)
# The target by ID, user name or any of its addresses (primary or alias).
_TARGET = (
    "SELECT id, state FROM users WHERE organization_id = ? AND state <> 'DELETED' AND (id = ? OR name_key = ?"
    " OR id IN (SELECT entity_id FROM email_addresses WHERE organization_id = ? AND address_key = ?))"
)


def authenticate_impersonation(tx: Tx, token: str, target_user: str, now: float,
                               organization_id: str | None = None, source_ip: str | None = None) -> Decision:
    """Decide one impersonated EWS login (recorded in the login activity, under the target's name)."""
    decision = _decide(tx, token, target_user, now, organization_id, source_ip)
    logins.record(tx, now, target_user, "EWS", source_ip, decision.authenticated,
                  decision.organization_id or organization_id, decision.user_id, IMPERSONATION_ROLE, decision.reason)
    return decision


def _decide(tx: Tx, token: str, target_user: str, now: float, organization_id: str | None,
            source_ip: str | None) -> Decision:
    row = tx.one(_TOKEN, (token_hash(token), now))
    if row is None or organization_id is not None and row["organization_id"] != organization_id:
        return Decision(False, reason=INVALID_TOKEN)
    if impersonation.expired(row["expires_at"], now):
        return Decision(False, organization_id=row["organization_id"], reason=TOKEN_EXPIRED)
    org_id = row["organization_id"]
    key = target_user.lower()
    targets = tx.all(_TARGET, (org_id, key, key, org_id, key))
    if len(targets) != 1:
        return Decision(False, organization_id=org_id, reason=UNKNOWN_USER)
    target = targets[0]
    if target["state"] != "ENABLED":
        return Decision(False, target["id"], org_id, reason=USER_NOT_ENABLED)
    effect, _ = impersonation.evaluate(impersonation.stored_rules(row["rules"], row["targets"]), target["id"])
    if effect != "ALLOW":
        return Decision(False, target["id"], org_id, reason=RULE_DENIED, impersonation_role_id=row["role_id"],
                        impersonation_type=row["role_type"])
    allowed = Decision(True, target["id"], org_id, IMPERSONATION_ROLE, impersonation_role_id=row["role_id"],
                       impersonation_type=row["role_type"])
    return allowed._replace(**admit(tx, org_id, None, "EWS", source_ip, role_id=row["role_id"]))
