"""Organizations: create, describe, list, delete — and the checks every org-scoped call makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workmail_local import ids
from workmail_local.clock import to_millisecond
from workmail_local.context import RequestContext
from workmail_local.services.workmail.addresses import add_mail_domain
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.store import Row

ORGANIZATIONS_PER_REGION = 100
TEST_DOMAIN_SUFFIX = "awsapps.com"
WORKMAIL_DIRECTORY_TYPE = "WorkMailDirectory"

# Steps other resources add to DeleteOrganization (checks that may refuse it, and
# clean-ups), run in registration order inside the request's transaction.
DeletionStep = Callable[[RequestContext, Row, dict[str, Any]], None]
deletion_steps: list[DeletionStep] = []


def on_organization_delete(step: DeletionStep) -> DeletionStep:
    """Register a step of DeleteOrganization (decorator)."""
    deletion_steps.append(step)
    return step


def forget_with_organization(*tables: str) -> None:
    """Register a step of DeleteOrganization that deletes the organization's rows of each
    table (settings that mean nothing without it); the names are the caller's own."""

    def forget(ctx: RequestContext, org: Row, params: dict[str, Any]) -> None:
        for table in tables:
            ctx.tx.execute(f"DELETE FROM {table} WHERE organization_id = ?", (org["id"],))  # noqa: S608

    deletion_steps.append(forget)


# What other resources give every new organization (default rules …), run in
# registration order inside CreateOrganization's transaction, with the new ID.
CreationStep = Callable[[RequestContext, str], None]
creation_steps: list[CreationStep] = []


def on_organization_create(step: CreationStep) -> CreationStep:
    """Register a step of CreateOrganization (decorator)."""
    creation_steps.append(step)
    return step


def organization_state(org: Row, now: float) -> str:
    """``Creating`` → ``Active`` at ``active_at``; ``Deleting`` → ``Deleted`` at ``deleted_at``."""
    if org["delete_requested_at"] is not None:
        return "Deleted" if now >= org["deleted_at"] else "Deleting"
    return "Active" if now >= org["active_at"] else "Creating"


def _live_clause() -> str:
    """SQL: the organization is not (yet) Deleted. Takes one ``now`` parameter."""
    return "(deleted_at IS NULL OR deleted_at > ?)"


def mail_domain_holder(ctx: RequestContext, domain: str, other_than: str | None = None) -> Row | None:
    """The live organization of the caller's account and Region (other than ``other_than``)
    that has registered the (lower-cased) mail domain: a domain belongs to one at a time."""
    return ctx.tx.one(
        f"SELECT id FROM organizations WHERE account = ? AND region = ? AND id <> ? AND {_live_clause()}"
        " AND id IN (SELECT organization_id FROM mail_domains WHERE domain = ?)",
        (ctx.account, ctx.region, other_than or "", ctx.now, domain),
    )


# What an org-scoped operation reads of its organization (every request of one pays for
# each column read): its identity, directory, default domain and state's dates.
_SCOPE_COLUMNS = "id, alias, directory_id, directory_type, default_mail_domain, active_at, delete_requested_at, deleted_at"
_FIND = {columns: f"SELECT {columns} FROM organizations WHERE id = ? AND account = ? AND region = ?"  # noqa: S608
         for columns in ("*", _SCOPE_COLUMNS)}


def find_organization(ctx: RequestContext, organization_id: str, columns: str = "*") -> Row:
    """The caller's organization in any state; another account's or region's is not found.
    ``columns``: every one (``*``), or the ones an org-scoped operation reads."""
    org = ctx.tx.one(_FIND[columns], (organization_id, ctx.account, ctx.region))
    if org is None:
        raise errors.OrganizationNotFoundException(f"The organization {organization_id} was not found.")
    return org


def require_active_organization(ctx: RequestContext, organization_id: str) -> Row:
    """The caller's organization, which must be Active (every org-scoped operation checks this)."""
    org = find_organization(ctx, organization_id, _SCOPE_COLUMNS)
    state = organization_state(org, ctx.now)
    if state != "Active":
        raise errors.OrganizationStateException(f"Organization {organization_id} is not Active, state: {state}")
    return org


def check_room(ctx: RequestContext, organization_id: str, table: str, limit: int, what: str) -> None:
    """``LimitExceededException`` when the organization already has ``limit`` rows of
    ``table`` (``what`` names them in the message); the table name is the caller's own."""
    count = ctx.tx.value(f"SELECT COUNT(*) FROM {table} WHERE organization_id = ?", (organization_id,))  # noqa: S608
    if count >= limit:
        raise errors.LimitExceededException(
            f"Organization {organization_id} already has {limit} {what}, the most it may have."
        )


@handlers("CreateOrganization")
def create_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    alias = params["Alias"]
    live = ctx.tx.value(
        f"SELECT COUNT(*) FROM organizations WHERE account = ? AND region = ? AND {_live_clause()}",
        (ctx.account, ctx.region, ctx.now),
    )
    if live >= ORGANIZATIONS_PER_REGION:
        raise errors.LimitExceededException(
            "You have reached the maximum number of organizations you can create "
            f"({ORGANIZATIONS_PER_REGION} per account and Region)."
        )
    # The directory first: an organization on a directory in use would otherwise only
    # ever be told that the (directory's) alias is taken.
    directory_id, directory_type = _choose_directory(ctx, params.get("DirectoryId"), alias)
    # Aliases are global, as on the service: any live organization of any account holds its alias.
    if ctx.tx.one(f"SELECT 1 FROM organizations WHERE alias = ? AND {_live_clause()}", (alias, ctx.now)):
        raise errors.NameAvailabilityException(f"The organization alias {alias} is not available.")
    test_domain = f"{alias.lower()}.{TEST_DOMAIN_SUFFIX}"
    domains = [(test_domain, None, True)]
    for domain in params.get("Domains", []):
        name = domain["DomainName"].lower()
        if any(name == d[0] for d in domains):
            raise errors.InvalidParameterException(f"The domain {name} is given more than once.")
        holder = mail_domain_holder(ctx, name)
        if holder is not None:
            raise errors.InvalidParameterException(
                f"The domain {name} is already registered in organization {holder['id']} of this account."
            )
        domains.append((name, domain.get("HostedZoneId"), False))

    org_id = ids.organization_id()
    ctx.tx.execute(
        "INSERT INTO organizations (id, account, region, alias, directory_id, directory_type,"
        " default_mail_domain, kms_key_arn, interoperability, created_at, active_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (org_id, ctx.account, ctx.region, alias, directory_id, directory_type, test_domain,
         params.get("KmsKeyArn"), int(params.get("EnableInteroperability", False)), ctx.now,
         to_millisecond(ctx.now + ctx.settings.org_activation_delay)),
    )
    for name, hosted_zone, is_test in domains:
        add_mail_domain(ctx, org_id, name, hosted_zone, is_test)
    for step in creation_steps:
        step(ctx, org_id)
    return {"OrganizationId": org_id}


def _choose_directory(ctx: RequestContext, directory_id: str | None, alias: str) -> tuple[str, str]:
    """A new WorkMail directory, or the registered external directory the caller named."""
    if directory_id is None:
        return ids.directory_id(), WORKMAIL_DIRECTORY_TYPE
    directory = ctx.tx.one(
        "SELECT * FROM directories WHERE account = ? AND region = ? AND id = ?",
        (ctx.account, ctx.region, directory_id),
    )
    if directory is None:
        raise errors.DirectoryUnavailableException(
            f"The directory {directory_id} is unavailable. It might be located in another Region or deleted."
        )
    if directory["alias"].lower() != alias.lower():
        raise errors.InvalidParameterException(
            f"The organization alias {alias} must match the alias of directory {directory_id} "
            f"({directory['alias']})."
        )
    in_use = ctx.tx.one(
        f"SELECT id FROM organizations WHERE directory_id = ? AND account = ? AND region = ? AND {_live_clause()}",
        (directory_id, ctx.account, ctx.region, ctx.now),
    )
    if in_use is not None:
        raise errors.DirectoryInUseException(
            f"The directory {directory_id} is already in use by organization {in_use['id']}."
        )
    return directory_id, directory["directory_type"]


def describe(org: Row, now: float, region: str, account: str) -> dict[str, Any]:
    """DescribeOrganization's answer for a stored organization."""
    state = organization_state(org, now)
    return {
        "OrganizationId": org["id"],
        "Alias": org["alias"],
        "State": state,
        "DirectoryId": org["directory_id"],
        "DirectoryType": org["directory_type"],
        "DefaultMailDomain": org["default_mail_domain"],
        "CompletedDate": org["active_at"] if now >= org["active_at"] else None,
        "ARN": ids.organization_arn(region, account, org["id"]),
        "InteroperabilityEnabled": bool(org["interoperability"]),
    }


@handlers("DescribeOrganization")
def describe_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = find_organization(ctx, params["OrganizationId"])
    return describe(org, ctx.now, ctx.region, ctx.account)


@handlers("ListOrganizations")
def list_organizations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    rows, next_token = ctx.page(params, "SELECT * FROM organizations", "account = ? AND region = ?",
                                (ctx.account, ctx.region), ("created_at", "id"))
    return {
        "OrganizationSummaries": [
            {
                "OrganizationId": r["id"],
                "Alias": r["alias"],
                "DefaultMailDomain": r["default_mail_domain"],
                "State": organization_state(r, ctx.now),
            }
            for r in rows
        ],
        "NextToken": next_token,
    }


@handlers("DeleteOrganization")
def delete_organization(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    for step in deletion_steps:
        step(ctx, org, params)
    ctx.tx.execute(
        "UPDATE organizations SET delete_requested_at = ?, deleted_at = ?, delete_directory = ? WHERE id = ?",
        (ctx.now, to_millisecond(ctx.now + ctx.settings.org_activation_delay), int(params["DeleteDirectory"]),
         org["id"]),
    )
    return {"OrganizationId": org["id"], "State": "Deleting"}
