"""IdC instances, shared by sso-admin and identitystore.

Every (account, region) has one instance, created the first time anything asks for
it, so users need no setup: ``arn:aws:sso:::instance/ssoins-<16 hex>`` with identity
store ``d-<10 hex>``.
"""

from __future__ import annotations

import secrets

from workmail_local import ids
from workmail_local.store import Row, Tx


def new_instance_arn(region: str) -> str:
    return f"arn:{ids.partition(region)}:sso:::instance/ssoins-{secrets.token_hex(8)}"


def ensure_instance(tx: Tx, account: str, region: str, now: float) -> Row:
    """The (account, region)'s first instance, created now if it has none."""
    row = tx.one(
        "SELECT * FROM idc_instances WHERE account = ? AND region = ? ORDER BY created_at LIMIT 1",
        (account, region),
    )
    if row is not None:
        return row
    arn = new_instance_arn(region)
    tx.execute(
        "INSERT INTO idc_instances (instance_arn, account, region, identity_store_id, name, status, created_at)"
        " VALUES (?, ?, ?, ?, NULL, 'ACTIVE', ?)",
        (arn, account, region, ids.directory_id(), now),
    )
    return tx.one("SELECT * FROM idc_instances WHERE instance_arn = ?", (arn,))


def find_instance(tx: Tx, account: str, region: str, instance_arn: str) -> Row | None:
    """The caller's instance with this ARN (``None`` if absent or another account's/region's)."""
    return tx.one(
        "SELECT * FROM idc_instances WHERE instance_arn = ? AND account = ? AND region = ?",
        (instance_arn, account, region),
    )


def find_identity_store(tx: Tx, account: str, region: str, identity_store_id: str) -> Row | None:
    """The caller's instance that owns this identity store (``None`` if absent or not the caller's)."""
    return tx.one(
        "SELECT * FROM idc_instances WHERE identity_store_id = ? AND account = ? AND region = ?",
        (identity_store_id, account, region),
    )
