"""Mail domains: register, deregister, get, list, and choose the default.

Every organization has its test domain ``<alias>.awsapps.com`` (default at creation,
VERIFIED, never deregistered). A registered domain is VERIFIED at once, or, with
``--mail-domain-verification manual``, PENDING until
``POST /_workmail-local/mail-domains/verification`` sets its statuses. A domain
is usable for addresses — and may become the default — once its ownership is VERIFIED
(``addresses.require_usable_domain``). Domain names are stored lower-cased.
"""

from __future__ import annotations

from typing import Any

import regex

from workmail_local.context import RequestContext
from workmail_local.services.workmail.addresses import (
    add_mail_domain,
    find_mail_domain,
    require_mail_domain,
    require_usable_domain,
)
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.mail_domain_records import dns_records
from workmail_local.services.workmail.organizations import (
    TEST_DOMAIN_SUFFIX,
    mail_domain_holder,
    require_active_organization,
)
from workmail_local.store import Row

# The admin guide's "up to 100 domains" per organization (its quota page says 1,000);
# the test domain is not counted.
DOMAINS_PER_ORGANIZATION = 100
# The model's pattern is searched, so "a b.com" or ".." pass it: a domain we register is
# dot-separated labels of letters, digits and inner hyphens, ending in a name of letters.
_WHOLE_DOMAIN = regex.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z-]{0,61}[a-z])")


def _check_registrable(ctx: RequestContext, org: Row, domain: str) -> None:
    if _WHOLE_DOMAIN.fullmatch(domain) is None:
        raise errors.InvalidParameterException(f"The domain name {domain} is not a valid domain name.")
    if domain == TEST_DOMAIN_SUFFIX or domain.endswith("." + TEST_DOMAIN_SUFFIX):
        raise errors.InvalidParameterException(
            f"The domain {domain} is a WorkMail test domain; only its own organization has it."
        )
    holder = mail_domain_holder(ctx, domain, other_than=org["id"])
    if holder is not None:
        raise errors.MailDomainInUseException(
            f"The domain {domain} is already registered in organization {holder['id']} of this account."
        )
    count = ctx.tx.value("SELECT COUNT(*) FROM mail_domains WHERE organization_id = ? AND is_test = 0", (org["id"],))
    if count >= DOMAINS_PER_ORGANIZATION:
        raise errors.LimitExceededException(
            f"Organization {org['id']} already has {DOMAINS_PER_ORGANIZATION} mail domains, the most it may have."
        )


@handlers("RegisterMailDomain")
def register_mail_domain(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    domain = params["DomainName"].lower()
    # Registering a domain the organization has already changes nothing (on AWS it
    # refreshes the SES policy; its statuses stay as they are).
    if find_mail_domain(ctx, org["id"], domain) is not None:
        return
    _check_registrable(ctx, org, domain)
    add_mail_domain(ctx, org["id"], domain)


@handlers("DeregisterMailDomain")
def deregister_mail_domain(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    row = find_mail_domain(ctx, org["id"], params["DomainName"])
    if row is None:  # idempotent: already gone
        return
    domain = row["domain"]
    if row["is_test"]:
        raise errors.InvalidParameterException(f"The test domain {domain} cannot be deregistered.")
    if row["is_default"]:
        raise errors.MailDomainInUseException(
            f"The domain {domain} is the default mail domain of organization {org['id']}; "
            "make another domain the default (UpdateDefaultMailDomain) first."
        )
    used = ctx.tx.value("SELECT COUNT(*) FROM email_addresses WHERE organization_id = ? AND domain = ?",
                        (org["id"], domain))
    if used:
        raise errors.MailDomainInUseException(
            f"The domain {domain} is in use by {used} email address{'es' if used > 1 else ''} "
            f"of organization {org['id']}; remove them first."
        )
    ctx.tx.execute("DELETE FROM mail_domains WHERE organization_id = ? AND domain = ?", (org["id"], domain))


@handlers("ListMailDomains")
def list_mail_domains(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    rows, next_token = ctx.page(params, "SELECT domain, is_default, created_at FROM mail_domains",
                                "organization_id = ?", (org["id"],), ("created_at", "domain"))
    return {
        "MailDomains": [{"DomainName": r["domain"], "DefaultDomain": bool(r["is_default"])} for r in rows],
        "NextToken": next_token,
    }


@handlers("UpdateDefaultMailDomain")
def update_default_mail_domain(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    domain = require_usable_domain(ctx, org["id"], params["DomainName"])["domain"]
    ctx.tx.execute("UPDATE mail_domains SET is_default = CASE WHEN domain = ? THEN 1 ELSE 0 END"
                   " WHERE organization_id = ?", (domain, org["id"]))
    ctx.tx.execute("UPDATE organizations SET default_mail_domain = ? WHERE id = ?", (domain, org["id"]))


@handlers("GetMailDomain")
def get_mail_domain(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    row = require_mail_domain(ctx, org["id"], params["DomainName"])
    return {
        # The test domain's DNS is AWS's own: nothing for the administrator to publish.
        "Records": [] if row["is_test"] else dns_records(org["id"], row["domain"], ctx.region),
        "IsTestDomain": bool(row["is_test"]),
        "IsDefault": bool(row["is_default"]),
        "OwnershipVerificationStatus": row["ownership_status"],
        "DkimVerificationStatus": row["dkim_status"],
    }
