"""Slow work must not block reads: a read's latency while password logins run, next to idle.

One in-memory server (on the server core, like every other): DescribeOrganization is
replayed by wrk over one connection, first alone, then while :data:`LOGIN_CLIENTS` clients
log in with a directory password (argon2, ~45 ms each) back to back. The target: the
read's p99 with the logins running stays within :data:`report.SLOW_WORK_P99_LIMIT` × idle.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import report
import servers
from cases import AUTHENTICATE_PATH, WORKMAIL_CASES, Fixtures, Unavailable, boto_call, client, need, prepare
from cells import Cell, measure, unavailable
from http_client import Connection, Request, control_request

LOGIN_CLIENTS = 4
PASSWORD = "Bench-Directory-Pass-1"
READ = next(c for c in WORKMAIL_CASES if c.name == "DescribeOrganization")
IDLE = "idle"
BUSY = f"{LOGIN_CLIENTS} password logins running"


class Logins:
    """``LOGIN_CLIENTS`` threads logging in back to back until the block ends (``with``)."""

    def __init__(self, port: int, request: Request) -> None:
        self.port, self.request = port, request
        self.stop = threading.Event()
        self.done = 0
        self.failed: list[str] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(LOGIN_CLIENTS)]

    def _run(self) -> None:
        conn = Connection(self.port)
        try:
            while not self.stop.is_set():
                answer = conn.send(self.request)
                with self._lock:
                    if answer.status != 200 or answer.body.get("Authenticated") is not True:
                        self.failed.append(f"{answer.status} {answer.body}")
                    self.done += 1
        finally:
            conn.close()

    def __enter__(self) -> Logins:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(30)


def password_user(server: servers.Server, fx: Fixtures) -> Request:
    """A registered user with a directory password; the login request for it."""
    need(server, fx, "organization")
    workmail, org_id = client(server, "workmail"), fx["organization_id"]
    domain = boto_call(workmail.describe_organization, OrganizationId=org_id)["DefaultMailDomain"]
    user_id = boto_call(workmail.create_user, OrganizationId=org_id, Name="slow", DisplayName="Slow",
                        Password=PASSWORD)["UserId"]
    boto_call(workmail.register_to_work_mail, OrganizationId=org_id, EntityId=user_id, Email=f"slow@{domain}")
    return control_request(server.port, "POST", AUTHENTICATE_PATH,
                           {"Username": f"slow@{domain}", "Secret": PASSWORD, "Protocol": "IMAP"})


def run(scratch: Path, seconds: float, say: Any) -> list[Cell]:
    """The two cells: the read idle, and the read while the logins run."""
    cells = [Cell(report.OURS, "memory", READ.name, report.SLOW_WORK_GROUP, 1, variant) for variant in (IDLE, BUSY)]
    server = servers.workmail_local("workmail-slow-work", scratch, None)
    try:
        fx: Fixtures = {}
        try:
            read = prepare(server, READ, fx)
            login = password_user(server, fx)
        except Unavailable as exc:
            return [unavailable(c, exc.status, exc.reason) for c in cells]
        idle, busy = cells
        say(f"{idle.operation} {idle.variant} c1")
        measure(idle, server, read, seconds)
        say(f"{busy.operation} {busy.variant} c1")
        with Logins(server.port, login) as logins:
            measure(busy, server, read, seconds)
        if logins.failed or not logins.done:
            busy.status = "error"
            busy.reason = f"{len(logins.failed)} of {logins.done} logins failed: {logins.failed[:1]}"
        else:
            busy.reason = f"{logins.done} logins meanwhile"
        return cells
    finally:
        server.stop()
