"""Several worker processes (``serve --workers N``): does a second worker add throughput?

DescribeOrganization at 32 connections with 1 and with 2 workers, on SQLite and on
PostgreSQL. Unlike every other section nothing is pinned — neither the server (the
workers must be free to spread over the cores) nor wrk — so the two share the machine's
two cores with each other and with whatever else runs: requests/s is the figure here,
and it moves with the machine's load. CPU per request is summed over the server's
process tree (the parent and its workers). A build whose ``serve`` has no ``--workers``
yet shows the rows as pending.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import postgres
import procfs
import report
import servers
from cases import READS, Fixtures, Unavailable, prepare
from cells import Cell, measure, unavailable
from sections import start_workmail

READ = READS[0]  # DescribeOrganization
COUNTS = (1, 2)
CONNECTIONS = 32
STORES = ("SQLite", "PostgreSQL")
GROUP = "workers"


def variant(workers: int) -> str:
    return f"{workers} worker{'s' if workers > 1 else ''}, nothing pinned"


def run(scratch: Path, seconds: float, say: Callable[[str], None]) -> list[Cell]:
    """The cells: each store × each worker count."""
    cells = []
    for store in STORES:
        pending: Unavailable | None = None
        for workers in COUNTS:
            cell = Cell(report.OURS, store, READ.name, GROUP, CONNECTIONS, variant(workers))
            cells.append(cell)
            if pending is not None:
                unavailable(cell, pending.status, pending.reason)
                continue
            try:
                server = start_workmail(f"workers-{store.lower()}-{workers}", store, scratch,
                                        extra_args=("--workers", str(workers)), core=None)
            except servers.UnknownOption as exc:
                pending = Unavailable("pending", f"serve has no --workers yet ({str(exc).split('error: ')[-1]})")
                unavailable(cell, pending.status, pending.reason)
                continue
            except postgres.PostgresUnavailable as exc:
                pending = Unavailable("pending", str(exc))
                unavailable(cell, pending.status, pending.reason)
                continue
            try:
                fx: Fixtures = {}
                request = prepare(server, READ, fx)
                size = procfs.tree_size(server.pid)
                say(f"{store} {cell.variant} c{CONNECTIONS} ({size} process{'es' if size > 1 else ''})")
                measure(cell, server, request, seconds, loadgen_core=None)
            except Unavailable as exc:
                unavailable(cell, exc.status, exc.reason)
            finally:
                server.stop()
    return cells
