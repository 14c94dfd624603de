"""Pagination through every user of an organization: is a late page as cheap as the first?

:func:`walk` pages through all users with ListUsers at its largest page size over one
keep-alive connection, timing each page (round trip, signing excluded) and the server's
CPU over the whole walk. :func:`requests` are then the first page and the last full page
(with the NextToken the walk was given for it), which the scaling step replays under wrk
like any case: keyset pagination makes them cost the same; an offset, or a sort without
an index, would make the last page cost in proportion to the rows before it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import servers
from cases import ACCOUNT, REGION
from http_client import Connection, Request, aws_request, send

WALK_PAGE_SIZE = 100  # ListUsers' MaxResults maximum
GROUP = "pagination"
FIRST = f"ListUsers first page ({WALK_PAGE_SIZE} per page)"
LAST = f"ListUsers last page ({WALK_PAGE_SIZE} per page)"
# How many pages at either end the walk's per-page figures average over.
ENDS = 10


@dataclass
class Walk:
    """One walk through every user: its pages' round trips and the tokens to replay."""

    organization_id: str
    page_ms: list[float] = field(default_factory=list)
    users: int = 0
    seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    # The NextToken asked with for the last page holding WALK_PAGE_SIZE users (None: the first).
    last_full_token: str | None = None
    last_full_page: int = 0

    def to_json(self) -> dict[str, Any]:
        pages = len(self.page_ms)
        return {
            "pages": pages, "users": self.users, "page_size": WALK_PAGE_SIZE, "seconds": round(self.seconds, 2),
            "server_cpu_us_per_page": round(self.server_cpu_seconds / pages * 1e6) if pages else None,
            "first_pages_ms": round(statistics.fmean(self.page_ms[:ENDS]), 3) if pages else None,
            "last_pages_ms": round(statistics.fmean(self.page_ms[-ENDS:]), 3) if pages else None,
            "median_page_ms": round(statistics.median(self.page_ms), 3) if pages else None,
            "last_full_page": self.last_full_page, "ends": ENDS,
        }


def page_request(port: int, organization_id: str, token: str | None) -> Request:
    """ListUsers for one page of WALK_PAGE_SIZE users, after ``token`` (None: the first)."""
    params: dict[str, Any] = {"OrganizationId": organization_id, "MaxResults": WALK_PAGE_SIZE}
    if token is not None:
        params["NextToken"] = token
    return aws_request(port, "workmail", "ListUsers", params, ACCOUNT, REGION)


def walk(server: servers.Server, organization_id: str) -> Walk:
    """Page through every user of the organization; each page must answer 200."""
    result = Walk(organization_id)
    conn = Connection(server.port)
    began, cpu = time.monotonic(), server.cpu_seconds()
    token: str | None = None
    try:
        while True:
            request = page_request(server.port, organization_id, token)
            sent = time.perf_counter()
            answer = conn.send(request)
            result.page_ms.append((time.perf_counter() - sent) * 1e3)
            if answer.status != 200:
                raise servers.ServerFailed(f"ListUsers page {len(result.page_ms)} answered {answer.error}")
            users = len(answer.body.get("Users", []))
            result.users += users
            if users == WALK_PAGE_SIZE:
                result.last_full_token, result.last_full_page = token, len(result.page_ms)
            token = answer.body.get("NextToken")
            if token is None:
                break
    finally:
        conn.close()
    result.seconds = time.monotonic() - began
    result.server_cpu_seconds = server.cpu_seconds() - cpu
    return result


def requests(server: servers.Server, done: Walk) -> list[tuple[str, Request]]:
    """The first page's request and the last full page's, each checked (200, a full page)."""
    out = []
    for name, token in ((FIRST, None), (LAST, done.last_full_token)):
        request = page_request(server.port, done.organization_id, token)
        answer = send(server.port, request)
        if answer.status != 200 or len(answer.body.get("Users", [])) != WALK_PAGE_SIZE:
            raise servers.ServerFailed(f"{name} answered {answer.status} {str(answer.body)[:200]}")
        out.append((name, request))
    return out
