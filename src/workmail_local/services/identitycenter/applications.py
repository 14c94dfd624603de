"""IdC applications, shared by sso-admin (which shows them) and WorkMail (which creates them).

An application belongs to one instance of one (account, region) and has the ARN
``arn:aws:sso::<account>:application/<instance id>/apl-<16 alnum>``.
"""

from __future__ import annotations

import secrets
from typing import Any

from workmail_local import ids
from workmail_local.store import Row, Tx

# The provider WorkMail's applications are listed under. The real provider ARN is not
# published; this one has the model's shape and is what the ApplicationProvider filter
# of ListApplications matches.
WORKMAIL_PROVIDER = "applicationProvider/workmail"

_SELECT = (
    "SELECT a.*, i.identity_store_id FROM idc_applications a"
    " JOIN idc_instances i ON i.instance_arn = a.instance_arn"
)


def provider_arn(region: str) -> str:
    """The application-provider ARN of WorkMail's applications in ``region``'s partition."""
    return f"arn:{ids.partition(region)}:sso::aws:{WORKMAIL_PROVIDER}"


def new_application_arn(instance_arn: str, account: str, region: str) -> str:
    """A fresh ARN for an application of ``instance_arn``, owned by ``account``."""
    instance_id = instance_arn.rpartition("/")[2]
    return f"arn:{ids.partition(region)}:sso::{account}:application/{instance_id}/apl-{secrets.token_hex(8)}"


def find_application(tx: Tx, account: str, region: str, application_arn: str) -> Row | None:
    """The caller's application with this ARN (``None`` if absent, deleted, or not the caller's)."""
    return tx.one(
        f"{_SELECT} WHERE a.application_arn = ? AND a.account = ? AND a.region = ?",
        (application_arn, account, region),
    )


def applications_of_instance(instance_arn: str, account: str | None = None) -> tuple[str, str, list[Any]]:
    """``(select, where, args)`` of an instance's applications (only ``account``'s when
    given), for a keyset page ordered by ``a.created_at, a.application_arn``."""
    where, args = "a.instance_arn = ?", [instance_arn]
    if account is not None:
        where, args = where + " AND a.account = ?", [*args, account]
    return _SELECT, where, args


def identity_store_arn(account: str, region: str, identity_store_id: str) -> str:
    """The ARN of an identity store."""
    return f"arn:{ids.partition(region)}:identitystore::{account}:identitystore/{identity_store_id}"
