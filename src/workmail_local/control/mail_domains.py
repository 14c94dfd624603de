"""Mail-domain verification without DNS: the administrator's "the records are published".

``POST /_workmail-local/mail-domains/verification``
``{"AccountId"?, "Region"?, "OrganizationId", "DomainName", "OwnershipVerificationStatus"?,
"DkimVerificationStatus"?}`` (each ``PENDING`` | ``VERIFIED`` | ``FAILED``; at least one)
sets what GetMailDomain reports, in either ``--mail-domain-verification`` mode, and
answers the domain's statuses. A domain is usable for addresses while its ownership is
VERIFIED; addresses it already has are kept when it stops being. 404 for an organization
the account and Region do not have or a domain it has not registered; 400 for bad values
and for the test domain, which is always VERIFIED.
"""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlError, ControlRequest, require, route

STATUSES = ("PENDING", "VERIFIED", "FAILED")
# Request member → mail_domains column.
STATUS_MEMBERS = {"OwnershipVerificationStatus": "ownership_status", "DkimVerificationStatus": "dkim_status"}


def _invalid(message: str) -> ControlError:
    return ControlError(400, "ValidationException", message)


def _changes(body: dict[str, Any]) -> dict[str, str]:
    """The statuses the request sets, by column, checked."""
    changes = {}
    for member, column in STATUS_MEMBERS.items():
        value = body.get(member)
        if value is None:
            continue
        if value not in STATUSES:
            raise _invalid(f"{member} must be one of {', '.join(STATUSES)}")
        changes[column] = value
    if not changes:
        raise _invalid(f"Give {' or '.join(STATUS_MEMBERS)} (or both)")
    return changes


@route("POST", "/mail-domains/verification", admin=True,
       members={"OrganizationId": str, "DomainName": str, "OwnershipVerificationStatus": str,
                "DkimVerificationStatus": str})
def set_verification(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    organization_id = require(req.body, "OrganizationId")
    domain_name = require(req.body, "DomainName").lower()
    changes = _changes(req.body)
    if req.tx.one("SELECT 1 FROM organizations WHERE id = ? AND account = ? AND region = ?",
                  (organization_id, req.account, req.region)) is None:
        raise ControlError(404, "OrganizationNotFoundException", f"The organization {organization_id} was not found.")
    domain = req.tx.one("SELECT * FROM mail_domains WHERE organization_id = ? AND domain = ?",
                        (organization_id, domain_name))
    if domain is None:
        raise ControlError(404, "MailDomainNotFoundException",
                           f"The mail domain {domain_name} was not found in organization {organization_id}.")
    if domain["is_test"]:
        raise _invalid(f"{domain_name} is the organization's test domain, which is always VERIFIED")
    assignments = ", ".join(f"{column} = ?" for column in changes)
    req.tx.execute(f"UPDATE mail_domains SET {assignments} WHERE organization_id = ? AND domain = ?",  # noqa: S608
                   (*changes.values(), organization_id, domain_name))
    answer = {"OrganizationId": organization_id, "DomainName": domain_name}
    for member, column in STATUS_MEMBERS.items():
        answer[member] = changes.get(column, domain[column])
    return 200, answer
