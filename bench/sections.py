"""The suite's wrk sections: the limit, the peer, WorkMail Local on each store and in each
setting, and ready time. Each returns its cells (or readings); ``suite.py`` runs them.

Every WorkMail Local server runs with the default request log (``info``, one line per
request, into the server's log file in the scratch directory) unless a section says
otherwise: that is how it runs for its users.
"""

from __future__ import annotations

import re
import statistics
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import postgres
import report
import servers
from cases import MOTO_CASE, READ_NAMES, WORKMAIL_CASES, Case, Fixtures, Unavailable, prepare
from cells import Cell, measure, unavailable
from fixtures import ACCOUNT, REGION
from http_client import SECRET_KEY, Request, aws_request

Say = Callable[[str], None]
# Any well-formed organization ID: the bare app never looks at it.
SOME_ORGANIZATION = "m-" + "0" * 32


def measure_case(server: servers.Server, case: Case, fx: Fixtures, base: Cell, connections: list[int],
                 seconds: float, say: Say) -> list[Cell]:
    """The cells of one case at each connection count (or why it cannot be measured)."""
    cells = [Cell(base.server, base.store, case.name, case.group, c, base.variant) for c in connections]
    try:
        request = prepare(server, case, fx)
    except Unavailable as exc:
        say(f"{base.server} {base.store} {case.name}: {exc.status} ({exc.reason})")
        return [unavailable(c, exc.status, exc.reason) for c in cells]
    for cell in cells:
        say(f"{cell.server} {cell.store} {cell.operation} {cell.variant} c{cell.connections}")
        measure(cell, server, request, seconds)
    return cells


def bare_request(server: servers.Server) -> Request:
    """What the bare app is sent: a signed DescribeOrganization request."""
    return aws_request(server.port, "workmail", "DescribeOrganization", {"OrganizationId": SOME_ORGANIZATION},
                       ACCOUNT, REGION)


def paired_baseline(scratch: Path) -> tuple[servers.Server, Request]:
    """A bare app kept running to be measured beside each cell (cells.pair_with)."""
    server = servers.bare_app(scratch)
    return server, bare_request(server)


def bare_cells(scratch: Path, connections: list[int], seconds: float, say: Say, variant: str) -> list[Cell]:
    """The limit, answering the same signed DescribeOrganization request."""
    server = servers.bare_app(scratch)
    try:
        request = bare_request(server)
        cells = []
        for conns in connections:
            say(f"bare ASGI {variant} c{conns}")
            cell = Cell(report.LIMIT, "", "any request → {}", "limit", conns, variant)
            cells.append(measure(cell, server, request, seconds))
        return cells
    finally:
        server.stop()


def moto_cells(scratch: Path, connections: list[int], seconds: float, say: Say) -> list[Cell]:
    """The peer: moto's server answering identitystore DescribeUser."""
    server = servers.moto(scratch)
    try:
        return measure_case(server, MOTO_CASE, {}, Cell(report.PEER, "", "", "", 0), connections, seconds, say)
    finally:
        server.stop()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def start_workmail(name: str, store: str, scratch: Path, log_level: str | None = None,
                   extra_args: tuple[str, ...] = (), core: int | None = servers.SERVER_CORE) -> servers.Server:
    """A WorkMail Local server on a new store: memory, a new SQLite database, or a new
    database in the run's PostgreSQL cluster (whose CPU is then read beside the server's)."""
    if store == "PostgreSQL":
        cluster = postgres.shared(scratch)
        url = cluster.new_database(slug(name).replace("-", "_"))
        # A PostgreSQL server keeps its secrets key in the user's data directory unless told otherwise.
        server = servers.workmail_local(name, scratch, None, log_level,
                                        (*extra_args, "--secrets-key-file", str(scratch / f"{name}.key")),
                                        database_url=url, core=core)
        server.database = cluster
        return server
    data_dir = None if store == "memory" else Path(tempfile.mkdtemp(dir=scratch, prefix="data-"))
    return servers.workmail_local(name, scratch, data_dir, log_level, extra_args, core=core)


def workmail_cells(store: str, scratch: Path, connections: list[int], seconds: float, say: Say,
                   log_level: str | None = None, only: Iterable[str] | None = None, variant: str = "",
                   extra_args: tuple[str, ...] = ()) -> list[Cell]:
    """WorkMail Local's cases (all, or those named in ``only``) on one store: ``memory``,
    ``SQLite`` or ``PostgreSQL``. ``log_level`` None: the default log."""
    wanted = None if only is None else set(only)
    name = f"workmail-{slug(store)}-{slug(variant) or 'default'}"
    server = start_workmail(name, store, scratch, log_level, extra_args)
    try:
        fx: Fixtures = {}
        base = Cell(report.OURS, store, "", "", 0, variant)
        cells = []
        for case in WORKMAIL_CASES:
            if wanted is None or case.name in wanted:
                cells += measure_case(server, case, fx, base, connections, seconds, say)
        return cells
    finally:
        server.stop()


def no_log_cells(scratch: Path, connections: list[int], seconds: float, say: Say) -> list[Cell]:
    """DescribeOrganization in memory with ``--log-level warning``: what the request log costs."""
    return workmail_cells("memory", scratch, connections, seconds, say, log_level="warning",
                          only={"DescribeOrganization"}, variant=report.NO_LOG_VARIANT)


def enforce_args(scratch: Path) -> tuple[str, ...]:
    """``--auth enforce`` with a credentials file holding the key the bench signs with."""
    credentials = scratch / "credentials"
    credentials.write_text(f"[bench]\naws_access_key_id = {ACCOUNT}\naws_secret_access_key = {SECRET_KEY}\n"
                           f"account_id = {ACCOUNT}\n")
    return "--auth", "enforce", "--credentials-file", str(credentials)


def enforced_cells(scratch: Path, connections: list[int], seconds: float, say: Say) -> list[Cell]:
    """The reads in memory with ``--auth enforce``: every signature recomputed and checked."""
    return workmail_cells("memory", scratch, connections, seconds, say, only=READ_NAMES,
                          variant=report.ENFORCE_VARIANT, extra_args=enforce_args(scratch))


def postgres_cells(scratch: Path, connections: list[int], seconds: float, say: Say) -> list[Cell]:
    """Every case on PostgreSQL, in the run's throwaway cluster (the database's CPU beside)."""
    try:
        cluster = postgres.shared(scratch)
    except postgres.PostgresUnavailable as exc:
        say(f"PostgreSQL: pending ({exc})")
        return [unavailable(Cell(report.OURS, "PostgreSQL", case.name, case.group, c), "pending", str(exc))
                for case in WORKMAIL_CASES for c in connections]
    say(f"PostgreSQL cluster on 127.0.0.1:{cluster.port} (postmaster {cluster.postmaster_pid})")
    return workmail_cells("PostgreSQL", scratch, connections, seconds, say)


def ready_times(scratch: Path, launches: int, say: Say) -> dict[str, list[float]]:
    """Launch → health answers, over a few launches, in memory and on a new SQLite database."""
    times: dict[str, list[float]] = {"memory": [], "SQLite (new database)": []}
    # One launch first, not counted: it writes the bytecode cache, as any first run does.
    servers.workmail_local("ready-warm-up", scratch, None, log_level=None).stop()
    for store in times:
        for n in range(launches):
            data_dir = None if store == "memory" else Path(tempfile.mkdtemp(dir=scratch, prefix="ready-"))
            server = servers.workmail_local(f"ready-{n}", scratch, data_dir, log_level=None)
            server.stop()
            times[store].append(round(server.ready_seconds, 3))
        say(f"ready ({store}): median {statistics.median(times[store]):.2f} s")
    return times
