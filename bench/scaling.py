"""Scaling: the same reads against a server holding 10 organizations (and 10 users in the
measured one) and a server holding 10,000 of each; and their resident memory.

Both servers run at once (in memory, idle while the other is measured), and each case is
measured on one right after the other, so a change in the machine's load between the two
figures stays small. Everything is loaded through the API (CreateOrganization,
CreateUser) over keep-alive connections. Organizations are limited per account and
Region, so they are spread over accounts; the read always names the same organization
of account 123456789012.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workmail_local.services.workmail.organizations import ORGANIZATIONS_PER_REGION

import servers
from cases import ACCOUNT, AUTHENTICATE_PATH, REGION, Case, Fixtures, Unavailable, need, prepare, workmail
from cells import Cell, measure, unavailable
from http_client import Call, aws_request, call_all, control_request, send

SMALL = 10
PAGE_SIZE = 10

SCALING_CASES = [
    Case("DescribeOrganization", "scaling", "organization",
         workmail("DescribeOrganization", lambda fx: {"OrganizationId": fx["organization_id"]}),
         lambda body, fx: body.get("OrganizationId") == fx["organization_id"]),
    # A page of the same size at both scales, so only the organization's size differs.
    Case("ListUsers (page 1)", "scaling", "organization",
         workmail("ListUsers", lambda fx: {"OrganizationId": fx["organization_id"], "MaxResults": PAGE_SIZE}),
         lambda body, fx: len(body.get("Users", [])) == PAGE_SIZE),
    Case("DescribeUser", "scaling", "organization",
         workmail("DescribeUser", lambda fx: {"OrganizationId": fx["organization_id"], "UserId": fx["user_id"]}),
         lambda body, fx: body.get("UserId") == fx["user_id"]),
    # Every IMAP/SMTP login: it finds the user by email address among all users.
    Case("Mailbox authenticate (PAT)", "scaling", "personal_access_token",
         lambda port, fx: control_request(port, "POST", AUTHENTICATE_PATH, {
             "Username": fx["pat_username"], "Secret": fx["pat_secret"], "Protocol": "IMAP"}),
         lambda body, fx: body.get("Authenticated") is True),
]
USER_CASES = {"ListUsers (page 1)", "DescribeUser"}


@dataclass
class ScalingResult:
    """The scaling cells and the memory readings (bytes)."""

    small_label: str
    large_label: str
    cells: list[Cell] = field(default_factory=list)
    memory: dict[str, dict[str, int]] = field(default_factory=dict)  # label → {"after start", "loaded"}
    users_status: str = "measured"
    users_reason: str = ""
    load_seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Everything but the cells (they join the main table)."""
        return {"memory": self.memory, "users_status": self.users_status, "users_reason": self.users_reason,
                "load_seconds": self.load_seconds, "small_label": self.small_label,
                "large_label": self.large_label}


def account_of(slot: int) -> str:
    """The account of the ``slot``-th organization: 100 per account, the first 100 in ours."""
    block = slot // ORGANIZATIONS_PER_REGION
    return ACCOUNT if block == 0 else f"2{block:011d}"


def organization_calls(first: int, end: int) -> Iterator[Call]:
    """CreateOrganization for slots ``first`` … ``end - 1`` (slot 0 is the fixture's organization)."""
    for slot in range(first, end):
        yield "workmail", "CreateOrganization", {"Alias": f"bench-org-{slot}"}, account_of(slot), REGION


def user_calls(organization_id: str, first: int, end: int) -> Iterator[Call]:
    """CreateUser (no password: hashing is not what is measured) for users ``first`` … ``end - 1``."""
    for n in range(first, end):
        yield ("workmail", "CreateUser",
               {"OrganizationId": organization_id, "Name": f"user{n}", "DisplayName": f"User {n}"}, ACCOUNT, REGION)


def _load(server: servers.Server, fx: Fixtures, result: ScalingResult, size: int) -> None:
    """``size`` organizations in all (the fixture's is the first) and ``size`` users in it."""
    call_all(server.port, organization_calls(1, size))
    # One call first tells whether CreateUser exists on this build.
    first = aws_request(server.port, *next(user_calls(fx["organization_id"], 0, 1)))
    answer = send(server.port, first)
    if answer.status == 501:
        result.users_status, result.users_reason = "not implemented", "CreateUser answers 501"
        return
    if answer.status != 200:
        result.users_status, result.users_reason = "error", f"CreateUser answered {answer.error}"
        return
    fx["user_id"] = answer.body["UserId"]
    call_all(server.port, user_calls(fx["organization_id"], 1, size))


def _measure(server: servers.Server, fx: Fixtures, case: Case, cells: list[Cell], result: ScalingResult,
             seconds: float) -> None:
    if case.name in USER_CASES and result.users_status != "measured":
        for cell in cells:
            unavailable(cell, result.users_status, result.users_reason)
        return
    try:
        request = prepare(server, case, fx)
    except Unavailable as exc:
        for cell in cells:
            unavailable(cell, exc.status, exc.reason)
        return
    for cell in cells:
        measure(cell, server, request, seconds)


def run(log_dir: Path, connections: list[int], seconds: float, total: int) -> ScalingResult:
    """Load both servers, note their memory, then measure each case on one and then the other."""
    result = ScalingResult(f"{SMALL:,} orgs, {SMALL:,} users", f"{total:,} orgs, {total:,} users")
    sizes = [(result.small_label, SMALL), (result.large_label, total)]
    started: list[tuple[str, servers.Server, Fixtures]] = []
    try:
        for label, size in sizes:
            server = servers.workmail_local(f"scaling-{size}", log_dir, data_dir=None)
            fx: Fixtures = {}
            started.append((label, server, fx))
            need(server, fx, "organization")
            result.memory[label] = {"after start": server.rss_bytes()}
            began = time.monotonic()
            _load(server, fx, result, size)
            result.load_seconds[label] = round(time.monotonic() - began, 1)
            result.memory[label]["loaded"] = server.rss_bytes()
        for case in SCALING_CASES:
            for conns in connections:
                for label, server, fx in started:
                    cell = Cell("WorkMail Local", "memory", case.name, "scaling", conns, label)
                    _measure(server, fx, case, [cell], result, seconds)
                    result.cells.append(cell)
    finally:
        for _, server, _ in started:
            server.stop()
    return result
