"""Availability configurations: Create, Update, Delete, List and
TestAvailabilityConfiguration.

One configuration per (organization, domain name), domains compared case-insensitively
and stored lower-cased; each has exactly one provider, EWS (endpoint, user name,
password) or Lambda (function ARN). The EWS password is sealed at rest with the app's
secret box (``sealed.py``), never listed, never logged. At most
:data:`PER_ORGANIZATION` configurations per organization. Test checks a provider for
real (``availability_probes``): one given inline, or the one stored for ``DomainName``.
"""

from __future__ import annotations

import datetime
from typing import Any

import orjson

from workmail_local.context import RequestContext
from workmail_local.services.workmail.api import errors, found, handlers
from workmail_local.services.workmail.availability_probes import check_ews, check_lambda
from workmail_local.services.workmail.organizations import (
    check_room,
    forget_with_organization,
    require_active_organization,
)
from workmail_local.slow import slow
from workmail_local.store import Row

PER_ORGANIZATION = 100


def _provider(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``("EWS" | "LAMBDA", provider)``: exactly one must be given."""
    given = [name for name in ("EwsProvider", "LambdaProvider") if params.get(name) is not None]
    if len(given) != 1:
        raise errors.InvalidParameterException(
            "Give exactly one availability provider, EwsProvider or LambdaProvider"
            + ("; got both." if given else "; got neither.")
        )
    return ("EWS" if given[0] == "EwsProvider" else "LAMBDA"), params[given[0]]


def _columns(ctx: RequestContext, kind: str, provider: dict[str, Any]) -> tuple[Any, ...]:
    """``(provider_type, ews_endpoint, ews_username, sealed password, lambda_arn)``."""
    assert ctx.secrets is not None
    if kind == "EWS":
        return (kind, provider["EwsEndpoint"], provider["EwsUsername"], ctx.secrets.seal(provider["EwsPassword"]),
                None)
    return kind, None, None, None, provider["LambdaArn"]


def _find(ctx: RequestContext, organization_id: str, domain: str) -> Row | None:
    return ctx.tx.one("SELECT * FROM availability_configurations WHERE organization_id = ? AND domain_name = ?",
                      (organization_id, domain.lower()))


def _require(ctx: RequestContext, organization_id: str, domain: str) -> Row:
    return found(_find(ctx, organization_id, domain), errors.ResourceNotFoundException(
        f"There is no availability configuration for {domain.lower()} in organization {organization_id}."))


@handlers("CreateAvailabilityConfiguration")
def create_availability_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    kind, provider = _provider(params)
    domain = params["DomainName"].lower()
    if _find(ctx, org["id"], domain) is not None:
        raise errors.NameAvailabilityException(
            f"The domain {domain} already has an availability configuration in organization {org['id']}."
        )
    check_room(ctx, org["id"], "availability_configurations", PER_ORGANIZATION, "availability configurations")
    ctx.tx.execute(
        "INSERT INTO availability_configurations (organization_id, domain_name, provider_type, ews_endpoint,"
        " ews_username, ews_password, lambda_arn, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (org["id"], domain, *_columns(ctx, kind, provider), ctx.now, ctx.now),
    )


@handlers("UpdateAvailabilityConfiguration")
def update_availability_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Replace the domain's provider (it may change from EWS to Lambda and back)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    kind, provider = _provider(params)
    row = _require(ctx, org["id"], params["DomainName"])
    ctx.tx.execute(
        "UPDATE availability_configurations SET provider_type = ?, ews_endpoint = ?, ews_username = ?,"
        " ews_password = ?, lambda_arn = ?, modified_at = ? WHERE organization_id = ? AND domain_name = ?",
        (*_columns(ctx, kind, provider), ctx.now, org["id"], row["domain_name"]),
    )


@handlers("DeleteAvailabilityConfiguration")
def delete_availability_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete the domain's configuration; a domain without one is a success."""
    org = require_active_organization(ctx, params["OrganizationId"])
    ctx.tx.execute("DELETE FROM availability_configurations WHERE organization_id = ? AND domain_name = ?",
                   (org["id"], params["DomainName"].lower()))


def _listed(row: Row) -> dict[str, Any]:
    item: dict[str, Any] = {"DomainName": row["domain_name"], "ProviderType": row["provider_type"],
                            "DateCreated": row["created_at"], "DateModified": row["modified_at"]}
    if row["provider_type"] == "EWS":  # the password is never shown
        item["EwsProvider"] = {"EwsEndpoint": row["ews_endpoint"], "EwsUsername": row["ews_username"]}
    else:
        item["LambdaProvider"] = {"LambdaArn": row["lambda_arn"]}
    return item


@handlers("ListAvailabilityConfigurations")
def list_availability_configurations(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    rows, next_token = ctx.page(params, "SELECT * FROM availability_configurations", "organization_id = ?",
                                [org["id"]], ("created_at", "domain_name"))
    return {"AvailabilityConfigurations": [_listed(r) for r in rows], "NextToken": next_token}


def _availability_request(ctx: RequestContext, org: Row, domain: str | None) -> str:
    """The JSON WorkMail sends a custom availability provider, for a test requester."""
    # Today and tomorrow (UTC, emulator clock): a window that stays the same across the request's rounds.
    today = datetime.datetime.fromtimestamp(ctx.now, datetime.UTC).date()
    window = [(today + datetime.timedelta(days=d)).strftime("%Y-%m-%dT00:00:00.000Z") for d in (0, 2)]
    return orjson.dumps({
        "requester": {"email": f"availability-test@{org['default_mail_domain']}", "userName": "availability-test",
                      "organization": org["id"], "userId": "S-1-5-18", "origin": "127.0.0.1"},
        "mailboxes": [f"availability-test@{domain or 'example.com'}"],
        "window": {"startDate": window[0], "endDate": window[1]},
    }).decode()


@handlers("TestAvailabilityConfiguration")
def test_availability_configuration(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Check a provider given inline, or the stored one of ``DomainName`` (not both)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    inline = any(params.get(name) is not None for name in ("EwsProvider", "LambdaProvider"))
    domain = params.get("DomainName")
    if inline == (domain is not None):
        raise errors.InvalidParameterException(
            "Give either DomainName (to test its stored configuration) or one provider to test, not "
            + ("both." if inline else "neither.")
        )
    if inline:
        kind, provider = _provider(params)
        ews = (provider.get("EwsEndpoint"), provider.get("EwsUsername"), provider.get("EwsPassword"))
        arn = provider.get("LambdaArn")
    else:
        row = _require(ctx, org["id"], domain)
        assert ctx.secrets is not None
        kind, arn = row["provider_type"], row["lambda_arn"]
        ews = (row["ews_endpoint"], row["ews_username"],
               ctx.secrets.open(row["ews_password"]) if row["ews_password"] else None)
    if kind == "EWS":
        passed, reason = slow(check_ews, *ews)
    else:
        url = dict(ctx.settings.availability_lambda_endpoints).get(arn)
        passed, reason = slow(check_lambda, arn, url, _availability_request(ctx, org, domain))
    return {"TestPassed": passed, "FailureReason": reason}


forget_with_organization("availability_configurations")
