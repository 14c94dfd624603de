"""Scaling: the same reads against a small server and a large one; their memory; the load's time.

The small server holds 10 organizations, and 10 users and 10 groups in the measured
organization. The large one holds ``scale`` users (default 100,000) and a tenth as many
groups in the measured organization, and a tenth as many organizations in all; then every
user is registered to WorkMail, so each has an address (a login's lookup by address
searches them all). Both run at once (in memory, idle
while the other is measured), and each case is measured on the small one, the large one,
the large one again and the small one again, so a change in the machine's load weighs
on both figures alike.

Everything is loaded through the API (CreateOrganization, CreateUser, CreateGroup,
RegisterToWorkMail) over keep-alive connections, several at once; each phase is timed,
and resident memory read after it.
Organizations are limited per account and Region, so they are spread over accounts; the
reads always name the same organization of account 123456789012. Then every user of the
large server is paged through (``pagination``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workmail_local.services.workmail.organizations import ORGANIZATIONS_PER_REGION

import pagination
import servers
from cases import Case, prepare, workmail
from fixtures import ACCOUNT, AUTHENTICATE_PATH, REGION, Fixtures, Unavailable, client, need
from cells import Cell, measure, unavailable
from http_client import Call, aws_request, call_all, control_request, send

SMALL = 10
DEFAULT_SCALE = 100_000
QUICK_SCALE = 10_000  # bench/run --quick: the same step, loaded in seconds
# Groups and organizations of the large server: one for every ten users.
USERS_PER_GROUP = 10
# Page 1 of ListUsers and ListGroups: fewer than the small server holds, so that page 1
# carries a NextToken (signed: part of its cost) at both sizes.
PAGE_SIZE = SMALL // 2

SCALING_CASES = [
    Case("DescribeOrganization", "scaling", "organization",
         workmail("DescribeOrganization", lambda fx: {"OrganizationId": fx["organization_id"]}),
         lambda body, fx: body.get("OrganizationId") == fx["organization_id"]),
    Case("DescribeUser", "scaling", "organization",
         workmail("DescribeUser", lambda fx: {"OrganizationId": fx["organization_id"], "UserId": fx["user_id"]}),
         lambda body, fx: body.get("UserId") == fx["user_id"] and body.get("State") == "ENABLED"),
    Case("DescribeGroup", "scaling", "organization",
         workmail("DescribeGroup", lambda fx: {"OrganizationId": fx["organization_id"], "GroupId": fx["group_id"]}),
         lambda body, fx: body.get("GroupId") == fx["group_id"]),
    # A page of the same size at both scales, and not the last: only the organization's size differs.
    Case("ListUsers (page 1)", "scaling", "organization",
         workmail("ListUsers", lambda fx: {"OrganizationId": fx["organization_id"], "MaxResults": PAGE_SIZE}),
         lambda body, fx: len(body.get("Users", [])) == PAGE_SIZE and bool(body.get("NextToken"))),
    Case("ListGroups (page 1)", "scaling", "organization",
         workmail("ListGroups", lambda fx: {"OrganizationId": fx["organization_id"], "MaxResults": PAGE_SIZE}),
         lambda body, fx: len(body.get("Groups", [])) == PAGE_SIZE and bool(body.get("NextToken"))),
    # Every IMAP/SMTP login: it finds the user by email address among all addresses.
    Case("Mailbox authenticate (PAT)", "scaling", "personal_access_token",
         lambda port, fx: control_request(port, "POST", AUTHENTICATE_PATH, {
             "Username": fx["pat_username"], "Secret": fx["pat_secret"], "Protocol": "IMAP"}),
         lambda body, fx: body.get("Authenticated") is True),
]
# The load's operation each case needs (a build without it cannot be measured on it).
CASE_NEEDS = {"DescribeUser": "CreateUser", "ListUsers (page 1)": "CreateUser",
              "DescribeGroup": "CreateGroup", "ListGroups (page 1)": "CreateGroup"}


@dataclass(frozen=True)
class Size:
    """What one scaling server holds."""

    users: int
    groups: int
    organizations: int

    @property
    def label(self) -> str:
        return f"{self.organizations:,} orgs, {self.users:,} users, {self.groups:,} groups"


def sizes(scale: int) -> tuple[Size, Size]:
    """The small server's size and the large one's for ``--scale`` users."""
    tenth = max(SMALL, scale // USERS_PER_GROUP)
    return Size(SMALL, SMALL, SMALL), Size(max(SMALL, scale), tenth, tenth)


@dataclass
class ScalingResult:
    """The scaling cells, the memory readings (bytes), the load's phases and the walk."""

    small_label: str
    large_label: str
    cells: list[Cell] = field(default_factory=list)
    # label → {"after start", "loaded", "registered", "after the run"}
    memory: dict[str, dict[str, int]] = field(default_factory=dict)
    # label → phase → {"calls", "seconds", "server_cpu_seconds", "rss_after_bytes"}; and "total".
    load: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    missing: dict[str, tuple[str, str]] = field(default_factory=dict)  # operation → (status, reason)
    walk: dict[str, Any] = field(default_factory=dict)

    @property
    def load_seconds(self) -> dict[str, float]:
        """Each server's whole load, in seconds."""
        return {label: phases["total"]["seconds"] for label, phases in self.load.items()}

    def to_json(self) -> dict[str, Any]:
        """Everything but the cells (they join the main table)."""
        return {"memory": self.memory, "load": self.load, "load_seconds": self.load_seconds,
                "missing": {op: list(why) for op, why in self.missing.items()}, "walk": self.walk,
                "small_label": self.small_label, "large_label": self.large_label}


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


def register_calls(organization_id: str, domain: str, user_ids: list[str]) -> Iterator[Call]:
    """RegisterToWorkMail of each user (``user<n>@domain``): every mailbox user has an address."""
    for n, user_id in enumerate(user_ids):
        yield ("workmail", "RegisterToWorkMail",
               {"OrganizationId": organization_id, "EntityId": user_id, "Email": f"user{n}@{domain}"},
               ACCOUNT, REGION)


def group_calls(organization_id: str, first: int, end: int) -> Iterator[Call]:
    """CreateGroup for groups ``first`` … ``end - 1``."""
    for n in range(first, end):
        yield "workmail", "CreateGroup", {"OrganizationId": organization_id, "Name": f"group{n}"}, ACCOUNT, REGION


class _Loader:
    """Runs the load's phases on one server, timing each (wall clock and server CPU)."""

    def __init__(self, server: servers.Server, result: ScalingResult, label: str) -> None:
        self.server, self.result = server, result
        self.phases: dict[str, dict[str, float]] = result.load.setdefault(label, {})

    def phase(self, name: str, calls: list[Call]) -> list[dict[str, Any]] | None:
        """Make ``calls``; None when their operation is not on this build (noted in ``missing``).

        The first call goes alone: an operation answering 501 is not implemented."""
        if not calls:
            return []
        operation = calls[0][1]
        began, cpu = time.monotonic(), self.server.cpu_seconds()
        first = send(self.server.port, aws_request(self.server.port, *calls[0]))
        if first.status != 200:
            status = "not implemented" if first.status == 501 else "error"
            self.result.missing[operation] = (status, f"{operation} answered {first.error}")
            return None
        answers = [first.body, *call_all(self.server.port, calls[1:])]
        self.phases[name] = {"calls": len(calls), "seconds": round(time.monotonic() - began, 2),
                             "server_cpu_seconds": round(self.server.cpu_seconds() - cpu, 2),
                             "rss_after_bytes": self.server.rss_bytes()}
        return answers

    def total(self) -> None:
        self.phases["total"] = {key: round(sum(p[key] for p in self.phases.values()), 2)
                                for key in ("calls", "seconds", "server_cpu_seconds")}


def _load(server: servers.Server, fx: Fixtures, result: ScalingResult, label: str, size: Size) -> None:
    """The size's organizations (the fixture's is the first), users and groups: the memory
    then is "loaded" (what issue 16 names); then every user is registered, which gives
    each an address (memory "registered")."""
    loader = _Loader(server, result, label)
    org_id = fx["organization_id"]
    loader.phase("CreateOrganization", list(organization_calls(1, size.organizations)))
    users = loader.phase("CreateUser", list(user_calls(org_id, 0, size.users)))
    groups = loader.phase("CreateGroup", list(group_calls(org_id, 0, size.groups)))
    # The middle ones: not the first or last row of any index.
    if groups is not None:
        fx["group_id"] = groups[len(groups) // 2]["GroupId"]
    result.memory[label]["loaded"] = server.rss_bytes()
    if users is not None:
        user_ids = [answer["UserId"] for answer in users]
        fx["user_id"] = user_ids[len(user_ids) // 2]
        domain = client(server, "workmail").describe_organization(OrganizationId=org_id)["DefaultMailDomain"]
        loader.phase("RegisterToWorkMail", list(register_calls(org_id, domain, user_ids)))
        result.memory[label]["registered"] = server.rss_bytes()
    loader.total()


def _request(server: servers.Server, fx: Fixtures, case: Case, result: ScalingResult) -> Any:
    """The case's checked request on this server, or the :class:`Unavailable` saying why not."""
    needed = result.missing.get(CASE_NEEDS.get(case.name, ""))
    if needed is not None:
        return Unavailable(*needed)
    try:
        return prepare(server, case, fx)
    except Unavailable as exc:
        return exc


Contender = tuple[Cell, servers.Server, Any]  # an empty cell, its server, its request or why there is none


def alternate(contenders: list[Contender], seconds: float, say: Callable[[str], None]) -> list[Cell]:
    """Measure two (or more) cells that are compared with each other in the order A, B, B, A:
    a drift of the machine's load during the four weighs on both alike. Of each one's two
    runs the one with the lowest CPU per request is kept; an error run is kept over any."""
    best: list[Cell | None] = [None] * len(contenders)
    order = [*enumerate(contenders), *reversed(list(enumerate(contenders)))]
    for n, (template, server, request) in order:
        cell = replace(template)
        if isinstance(request, Unavailable):
            best[n] = unavailable(cell, request.status, request.reason)
            continue
        say(f"scaling: {cell.operation} c{cell.connections} ({cell.variant})")
        measure(cell, server, request, seconds)
        kept = best[n]
        if kept is None or (kept.measured and (not cell.measured or cell.cpu_us < kept.cpu_us)):
            best[n] = cell
    return [cell for cell in best if cell is not None]


def run(log_dir: Path, connections: list[int], seconds: float, scale: int = DEFAULT_SCALE,
        say: Callable[[str], None] = print) -> ScalingResult:
    """Load both servers, note their memory, measure each case on both (:func:`alternate`),
    then page through every user of the large one and measure its first and last page."""
    small, large = sizes(scale)
    result = ScalingResult(small.label, large.label)
    started: list[tuple[str, servers.Server, Fixtures]] = []
    try:
        for size in (small, large):
            server = servers.workmail_local(f"scaling-{size.users}", log_dir, data_dir=None)
            fx: Fixtures = {}
            started.append((size.label, server, fx))
            need(server, fx, "organization")
            result.memory[size.label] = {"after start": server.rss_bytes()}
            say(f"scaling: loading {size.label}")
            _load(server, fx, result, size.label, size)
            total = result.load[size.label]["total"]
            say(f"scaling: loaded {total['calls']:,.0f} calls in {total['seconds']:.1f} s, VmRSS "
                + ", ".join(f"{v / 2**20:.0f} MB {k}" for k, v in result.memory[size.label].items()))
        for case in SCALING_CASES:
            requests = [_request(server, fx, case, result) for _, server, fx in started]
            for conns in connections:
                result.cells += alternate(
                    [(Cell("WorkMail Local", "memory", case.name, "scaling", conns, label), server, request)
                     for (label, server, _), request in zip(started, requests, strict=True)], seconds, say)
        label, server, fx = started[-1]
        if "CreateUser" not in result.missing:
            say(f"scaling: paging through every user ({label})")
            walk = pagination.walk(server, fx["organization_id"])
            result.walk = walk.to_json()
            pages = pagination.requests(server, walk)
            for conns in connections:
                result.cells += alternate([(Cell("WorkMail Local", "memory", name, pagination.GROUP, conns, label),
                                            server, request) for name, request in pages], seconds, say)
        for label, server, _ in started:
            result.memory[label]["after the run"] = server.rss_bytes()
    finally:
        for _, server, _ in started:
            server.stop()
    return result
