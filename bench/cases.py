"""What is measured: the cases, one replayed request each.

Adding a measurement is one entry in :data:`WORKMAIL_CASES` (name, group, the fixture it
needs, the request, the check of a correct answer) plus, if it needs state nothing else
makes, one fixture function in ``fixtures.FIXTURES``.

A fixture or a probe that meets an operation answering HTTP 501 marks the case "not
implemented"; a case waiting on a feature that does not exist yet is "pending". Neither
is measured: wrk would only time error answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fixtures import (  # noqa: F401 - the names other modules (scaling.py) take from here
    ACCOUNT, AUTHENTICATE_PATH, MOTO_IDENTITY_STORE, PAGE_SIZE, REGION, Fixtures, Unavailable, need,
)
from http_client import UNIQUE, Answer, Connection, Request, aws_request, control_request
from servers import Server

@dataclass(frozen=True)
class Case:
    """One measured request."""

    name: str
    group: str  # "read", "write" or "auth": which target applies
    fixture: str
    request: Callable[[int, Fixtures], Request]
    check: Callable[[dict[str, Any], Fixtures], bool]


def workmail(operation: str, params: Callable[[Fixtures], dict[str, Any]]) -> Callable[[int, Fixtures], Request]:
    """A signed WorkMail call as the case's request."""
    return lambda port, fx: aws_request(port, "workmail", operation, params(fx), ACCOUNT, REGION)


def in_org(**ids: str) -> Callable[[Fixtures], dict[str, Any]]:
    """Parameters naming the organization and fixtures: ``in_org(UserId="user_id")``."""
    return lambda fx: {"OrganizationId": fx["organization_id"], **{k: fx[v] for k, v in ids.items()}}


def pat_login(port: int, fx: Fixtures) -> Request:
    """A mailbox login (IMAP) with the personal access token."""
    return control_request(port, "POST", AUTHENTICATE_PATH, {
        "Username": fx["pat_username"], "Secret": fx["pat_secret"], "Protocol": "IMAP"})


def password_login(port: int, fx: Fixtures) -> Request:
    """A mailbox login (IMAP) with a directory password: argon2 verification."""
    return control_request(port, "POST", AUTHENTICATE_PATH, fx["password_login"])


def authenticated(body: dict[str, Any], fx: Fixtures) -> bool:
    return body.get("Authenticated") is True


def page(key: str) -> Callable[[dict[str, Any], Fixtures], bool]:
    """A full first page of ``key`` and a token for the next."""
    return lambda body, fx: len(body.get(key, [])) == PAGE_SIZE and bool(body.get("NextToken"))


READS = [
    Case("DescribeOrganization", "read", "organization",
         workmail("DescribeOrganization", in_org()),
         lambda body, fx: body.get("OrganizationId") == fx["organization_id"] and body.get("State") == "Active"),
    Case("DescribeUser", "read", "directory",
         workmail("DescribeUser", in_org(UserId="user_id")),
         lambda body, fx: body.get("UserId") == fx["user_id"] and body.get("State") == "ENABLED"),
    Case("DescribeIdentityProviderConfiguration", "read", "identity_provider",
         workmail("DescribeIdentityProviderConfiguration", in_org()),
         lambda body, fx: body.get("IdentityCenterConfiguration")
         == fx["identity_provider"]["IdentityCenterConfiguration"]),
    Case("ListUsers (page 1)", "read", "directory",
         workmail("ListUsers", lambda fx: {**in_org()(fx), "MaxResults": PAGE_SIZE}), page("Users")),
    Case("DescribeGroup", "read", "directory",
         workmail("DescribeGroup", in_org(GroupId="group_id")),
         lambda body, fx: body.get("GroupId") == fx["group_id"]),
    Case("ListGroups (page 1)", "read", "directory",
         workmail("ListGroups", lambda fx: {**in_org()(fx), "MaxResults": PAGE_SIZE}), page("Groups")),
    Case("ListAliases", "read", "directory",
         workmail("ListAliases", in_org(EntityId="user_id")),
         lambda body, fx: len(body.get("Aliases", [])) == 3),  # the primary address and two aliases
]
WRITES = [
    Case("PutIdentityProviderConfiguration", "write", "identity_provider",
         workmail("PutIdentityProviderConfiguration", lambda fx: fx["identity_provider"]),
         lambda body, fx: body == {}),
    # Every request a new user (no password) in an organization of its own: its Name is new each time.
    Case("CreateUser (new name each)", "write", "write_organization",
         workmail("CreateUser", lambda fx: {"OrganizationId": fx["write_organization_id"], "Name": UNIQUE,
                                            "DisplayName": "Bench Writer"}),
         lambda body, fx: bool(body.get("UserId"))),
]
PAT_LOGIN = Case("Mailbox authenticate (PAT)", "auth", "personal_access_token", pat_login, authenticated)
PASSWORD_LOGIN = Case("Mailbox authenticate (password)", "auth", "password_user", password_login, authenticated)
WORKMAIL_CASES = [*READS, *WRITES, PAT_LOGIN]
READ_NAMES = {c.name for c in READS}

MOTO_CASE = Case(
    "identitystore DescribeUser", "read", "moto_identity_store_user",
    lambda port, fx: aws_request(port, "identitystore", "DescribeUser",
                                 {"IdentityStoreId": MOTO_IDENTITY_STORE, "UserId": fx["moto_user_id"]},
                                 ACCOUNT, REGION),
    lambda body, fx: body.get("UserId") == fx["moto_user_id"],
)


def prepare(server: Server, case: Case, fx: Fixtures, warmup: int = 50) -> Request:
    """Set the case up and check (and warm) its request: it must answer 200 with the right body.

    Raises :class:`Unavailable` when the build cannot serve it yet.
    """
    need(server, fx, case.fixture)
    request = case.request(server.port, fx)
    conn = Connection(server.port)
    try:
        answer: Answer = conn.send(request)
        if answer.status == 501:
            raise Unavailable("not implemented", f"{case.name} answers 501")
        if answer.status != 200 or not case.check(answer.body, fx):
            raise Unavailable("error", f"{case.name} answered {answer.status} {str(answer.body)[:300]}")
        for _ in range(warmup):
            conn.send(request)
    finally:
        conn.close()
    return request
