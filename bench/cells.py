"""One cell of the table: a server, a request, a number of connections — and what it cost.

Server CPU per request is the delta of the server's utime+stime (/proc/<pid>/stat) over
a wrk run, divided by the requests wrk completed: unlike requests/s it barely moves
when other work shares the machine — and of three runs per cell the lowest is kept.
A server on PostgreSQL also gets the database's CPU per request, read the same way
over the same run from the cluster's processes.

With a paired baseline set (:func:`pair_with`), each of a cell's wrk runs is preceded by
the same run against the bare app (same request shape, connections and length, on the
same core): the cell keeps the least disturbed of those too, ``bare_cpu_us``, and its
ratio is taken against that — a baseline measured within seconds of the cell, where the
start and end of a long run can be minutes and a different machine load apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import wrk
from http_client import Request
from servers import LOADGEN_CORE, Server

MEASURED = "measured"


@dataclass
class Cell:
    """A row of the results table."""

    server: str  # "bare ASGI", "WorkMail Local", "moto"
    store: str  # "memory", "SQLite" or "" (not applicable)
    operation: str
    group: str  # "limit", "peer", "read", "write", "auth", "scaling"
    connections: int
    variant: str = ""  # e.g. "no request log", "--auth enforce", "10,000 organizations"
    status: str = MEASURED  # or "not implemented", "pending", "error"
    reason: str = ""
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_us: float = 0.0  # server CPU per request, microseconds
    db_cpu_us: float | None = None  # the database's CPU per request (PostgreSQL), microseconds
    bare_cpu_us: float | None = None  # the paired bare app's CPU per request, run by run beside this cell

    @property
    def measured(self) -> bool:
        return self.status == MEASURED

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# A shared machine only ever adds cost: each cell runs wrk this many times (its time split
# between them) and keeps the least disturbed run, the one with the lowest CPU per request.
REPEATS = 3


_paired: tuple[Server, Request] | None = None


def pair_with(baseline: tuple[Server, Request] | None) -> None:
    """Measure the bare app (server, request) beside every cell from now on (None: stop)."""
    global _paired
    _paired = baseline


def _cpu_per_request(server: Server, request: Request, connections: int, seconds: float,
                     loadgen_core: int | None) -> float | None:
    """One wrk run's server CPU per request; None when it had errors or no answer."""
    before = server.cpu_seconds()
    result = wrk.run(server.port, request, connections, seconds, loadgen_core)
    after = server.cpu_seconds()
    return (after - before) / result.requests * 1e6 if result.requests and not result.errors else None


def measure(cell: Cell, server: Server, request: Request, seconds: float,
            loadgen_core: int | None = LOADGEN_CORE) -> Cell:
    """Run wrk against ``server`` (wrk on ``loadgen_core``, None: unpinned) and fill the cell;
    error answers mark it "error". With a paired baseline, the bare app runs before each run."""
    best = None
    paired = _paired if _paired is not None and _paired[0] is not server else None
    bare: list[float] = []
    database = server.database
    # wrk runs whole seconds: a cell shorter than REPEATS seconds (--quick) runs fewer times.
    repeats = max(1, min(REPEATS, int(seconds)))
    # A run with no answer at all and no error (the server stalled for the whole run, say by
    # other work on its core) says nothing: it is run once more, at most REPEATS times in all.
    silent = 0
    done = 0
    while done < repeats:
        if paired is not None:
            bare_us = _cpu_per_request(*paired, cell.connections, max(1.0, seconds / repeats), loadgen_core)
            if bare_us is not None:
                bare.append(bare_us)
        server.check_alive()
        cpu_before = server.cpu_seconds()
        db_before = database.cpu_seconds() if database else 0.0
        result = wrk.run(server.port, request, cell.connections, max(1.0, seconds / repeats), loadgen_core)
        cpu_after = server.cpu_seconds()
        db_after = database.cpu_seconds() if database else 0.0
        server.check_alive()
        if not result.errors and not result.requests and silent < REPEATS:
            silent += 1
            continue
        done += 1
        if result.errors or not result.requests:
            best = (float("inf"), 0.0, result)
            break
        cpu_us = (cpu_after - cpu_before) / result.requests * 1e6
        if best is None or cpu_us < best[0]:
            best = (cpu_us, (db_after - db_before) / result.requests * 1e6, result)
    assert best is not None
    cpu_us, db_cpu_us, result = best
    if database and not result.errors and result.requests:
        cell.db_cpu_us = db_cpu_us
    cell.requests = result.requests
    cell.seconds = result.seconds
    cell.rps = result.rps
    cell.p50_ms = result.p50_ms
    cell.p99_ms = result.p99_ms
    cell.cpu_us = cpu_us if result.requests and not result.errors else 0.0
    cell.bare_cpu_us = min(bare) if bare else None
    if result.errors or not result.requests:
        cell.status = "error"
        cell.reason = (f"{result.errors} failed of {result.requests} requests" if result.requests or result.errors
                       else f"no answer in {silent + 1} runs of wrk")
    return cell


def unavailable(cell: Cell, status: str, reason: str) -> Cell:
    """A cell that is not measured on this build, with why."""
    cell.status = status
    cell.reason = reason
    return cell
