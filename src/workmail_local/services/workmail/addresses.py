"""The address space of an organization: every primary email and alias of every entity.

An address is well formed, on a mail domain registered in the organization and verified
there, and held by one entity at a time (``email_addresses``' primary key). The primary
address is also kept on the entity's own row (``email``/``email_key``), which Describe,
List and mailbox logins read without a join; this module keeps the two in step.
"""

from __future__ import annotations

import regex

from workmail_local.context import RequestContext
from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import java_pattern
from workmail_local.services.workmail.api import errors
from workmail_local.services.workmail.entities import Entity, key
from workmail_local.store import Row

# The model's pattern is searched, so it lets "a b@x.com" through: an address we hand
# out must be one as a whole.
_WHOLE_ADDRESS = regex.compile(
    java_pattern(load_service("workmail").model.shape_for("EmailAddress").metadata["pattern"])
)
# AWS's quota: 100 aliases per entity, the primary address not counted.
ALIASES_PER_ENTITY = 100


def domain_of(address: str) -> str:
    """The lower-cased mail domain of an address."""
    return address.rpartition("@")[2].lower()


def find_mail_domain(ctx: RequestContext, organization_id: str, domain: str) -> Row | None:
    """The organization's registered mail domain of that name (any case)."""
    return ctx.tx.one("SELECT * FROM mail_domains WHERE organization_id = ? AND domain = ?",
                      (organization_id, domain.lower()))


def add_mail_domain(ctx: RequestContext, organization_id: str, domain: str, hosted_zone_id: str | None = None,
                    is_test: bool = False) -> None:
    """Register a (lower-cased) mail domain in the organization. The test domain is the
    default and VERIFIED; any other starts VERIFIED, or PENDING when
    ``--mail-domain-verification manual`` leaves that to the control API."""
    status = "VERIFIED" if is_test or ctx.settings.mail_domain_verification == "auto" else "PENDING"
    ctx.tx.execute(
        "INSERT INTO mail_domains (organization_id, domain, hosted_zone_id, is_test, is_default, created_at,"
        " ownership_status, dkim_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (organization_id, domain, hosted_zone_id, int(is_test), int(is_test), ctx.now, status, status),
    )


def require_mail_domain(ctx: RequestContext, organization_id: str, domain: str) -> Row:
    """The domain, registered in the organization (else ``MailDomainNotFoundException``)."""
    row = find_mail_domain(ctx, organization_id, domain)
    if row is None:
        raise errors.MailDomainNotFoundException(
            f"The mail domain {domain.lower()} was not found in organization {organization_id}."
        )
    return row


def require_usable_domain(ctx: RequestContext, organization_id: str, domain: str) -> Row:
    """The domain, registered in the organization (``MailDomainNotFoundException``) and
    verified (``MailDomainStateException``)."""
    row = require_mail_domain(ctx, organization_id, domain)
    if row["ownership_status"] != "VERIFIED":
        raise errors.MailDomainStateException(
            f"The mail domain {row['domain']} is not verified yet (ownership: {row['ownership_status']})."
        )
    return row


def owner_of(ctx: RequestContext, organization_id: str, address: str) -> Row | None:
    """The ``email_addresses`` row holding ``address`` (entity_id, entity_type, is_primary), if any."""
    return ctx.tx.one("SELECT * FROM email_addresses WHERE organization_id = ? AND address_key = ?",
                      (organization_id, key(address)))


def check_available(ctx: RequestContext, organization_id: str, address: str, entity_id: str | None = None) -> Row | None:
    """Check that ``address`` may be given to ``entity_id``: well formed, on a usable
    domain, and not held by another entity. Returns the row if the entity holds it already."""
    if _WHOLE_ADDRESS.fullmatch(address) is None:
        raise errors.InvalidParameterException(f"The email address {address} is not a valid email address.")
    require_usable_domain(ctx, organization_id, domain_of(address))
    held = owner_of(ctx, organization_id, address)
    if held is not None and held["entity_id"] != entity_id:
        raise errors.EmailAddressInUseException(
            f"The email address {address} is already in use in organization {organization_id}."
        )
    return held


def _insert(ctx: RequestContext, entity: Entity, address: str, primary: bool) -> None:
    ctx.tx.execute(
        "INSERT INTO email_addresses (organization_id, address_key, address, domain, entity_id, entity_type,"
        " is_primary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (entity["organization_id"], key(address), address, domain_of(address), entity.id, entity.kind.type,
         int(primary), ctx.now),
    )


def _set_row_email(ctx: RequestContext, entity: Entity, address: str | None) -> None:
    ctx.tx.execute(f"UPDATE {entity.kind.table} SET email = ?, email_key = ? WHERE id = ?",  # noqa: S608
                   (address, None if address is None else key(address), entity.id))


def give_primary(ctx: RequestContext, entity: Entity, address: str) -> None:
    """Make ``address`` (already checked) the entity's primary; an old primary stays as an alias."""
    org_id = entity["organization_id"]
    ctx.tx.execute("UPDATE email_addresses SET is_primary = 0 WHERE entity_id = ? AND is_primary = 1", (entity.id,))
    if owner_of(ctx, org_id, address) is None:
        _insert(ctx, entity, address, primary=True)
    else:  # one of its aliases becomes the primary, written as now given
        ctx.tx.execute("UPDATE email_addresses SET is_primary = 1, address = ? WHERE organization_id = ?"
                       " AND address_key = ?", (address, org_id, key(address)))
    _set_row_email(ctx, entity, address)


def alias_count(ctx: RequestContext, entity_id: str) -> int:
    """How many aliases (addresses other than the primary) the entity holds."""
    return ctx.tx.value("SELECT COUNT(*) FROM email_addresses WHERE entity_id = ? AND is_primary = 0", (entity_id,))


def add_alias(ctx: RequestContext, entity: Entity, address: str) -> None:
    """Give the entity one more address (``check_available`` first); holding it already is a no-op."""
    if owner_of(ctx, entity["organization_id"], address) is not None:
        return
    if alias_count(ctx, entity.id) >= ALIASES_PER_ENTITY:
        raise errors.LimitExceededException(
            f"The {entity.kind.noun} {entity.id} already has {ALIASES_PER_ENTITY} aliases, the most it may have."
        )
    _insert(ctx, entity, address, primary=False)


def remove_alias(ctx: RequestContext, entity: Entity, address: str) -> None:
    """Take an alias away; the primary address cannot be removed this way, and an absent one is a no-op."""
    held = owner_of(ctx, entity["organization_id"], address)
    if held is None or held["entity_id"] != entity.id:
        return
    if held["is_primary"]:
        raise errors.InvalidParameterException(
            f"{address} is the primary email address of {entity.kind.noun} {entity.id}; make another address "
            "primary (UpdatePrimaryEmailAddress) before deleting it."
        )
    ctx.tx.execute("DELETE FROM email_addresses WHERE organization_id = ? AND address_key = ?",
                   (entity["organization_id"], key(address)))


def addresses_of(ctx: RequestContext, entity_id: str) -> list[str]:
    """Every address an entity holds, the primary first, then aliases in the order given."""
    rows = ctx.tx.all("SELECT address FROM email_addresses WHERE entity_id = ?"
                      " ORDER BY is_primary DESC, created_at, address_key", (entity_id,))
    return [r["address"] for r in rows]


def release_all(ctx: RequestContext, entity: Entity) -> None:
    """Free every address of the entity (deregistration, deletion): others may take them."""
    ctx.tx.execute("DELETE FROM email_addresses WHERE entity_id = ?", (entity.id,))
    _set_row_email(ctx, entity, None)
