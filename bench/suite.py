"""WorkMail Local's benchmark suite (run it with ``bench/run``; see bench/README.md).

In one run, with the same load generator and each server alone on one core:
the limit (a bare ASGI app), WorkMail Local in memory and on SQLite, and the peer
(moto's server); then scaling to 100,000 users, ready time, and a
profile of the hot path. Prints one table and writes bench/results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import orjson

import profiling
import report
import scaling
import servers
import slow_work
from cases import ACCOUNT, MOTO_CASE, REGION, WORKMAIL_CASES, Case, Fixtures, Unavailable, prepare
from cells import Cell, measure, unavailable
from http_client import SECRET_KEY, aws_request
from servers import LOADGEN_CORE, ROOT, SERVER_CORE

RESULTS = ROOT / "bench" / "results"
TOOLS_PYTHON = ROOT / "bench" / ".venv-tools" / "bin" / "python"
# Any well-formed organization ID: the bare app never looks at it.
SOME_ORGANIZATION = "m-" + "0" * 32


class Progress:
    """Progress lines on stderr, with the time since the start."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"bench [{time.monotonic() - self.started:5.0f}s] {message}", file=sys.stderr, flush=True)


def measure_case(server: servers.Server, case: Case, fx: Fixtures, base: Cell, connections: list[int],
                 seconds: float, say: Progress) -> list[Cell]:
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


def bare_cells(scratch: Path, connections: list[int], seconds: float, say: Progress, variant: str) -> list[Cell]:
    """The limit, answering the same signed DescribeOrganization request."""
    server = servers.bare_app(scratch)
    try:
        request = aws_request(server.port, "workmail", "DescribeOrganization",
                              {"OrganizationId": SOME_ORGANIZATION}, ACCOUNT, REGION)
        cells = []
        for conns in connections:
            say(f"bare ASGI {variant} c{conns}")
            cell = Cell(report.LIMIT, "", "any request → {}", "limit", conns, variant)
            cells.append(measure(cell, server, request, seconds))
        return cells
    finally:
        server.stop()


def workmail_cells(store: str, scratch: Path, connections: list[int], seconds: float, say: Progress,
                   log_level: str | None = "warning", only: set[str] | None = None, variant: str = "",
                   extra_args: tuple[str, ...] = ()) -> list[Cell]:
    """WorkMail Local's cases on one store (``memory`` or ``SQLite``)."""
    data_dir = None if store == "memory" else Path(tempfile.mkdtemp(dir=scratch, prefix="data-"))
    name = f"workmail-{store.lower()}-{re.sub(r'[^a-z0-9]+', '-', variant.lower()) or 'plain'}"
    server = servers.workmail_local(name, scratch, data_dir, log_level, extra_args)
    try:
        fx: Fixtures = {}
        base = Cell(report.OURS, store, "", "", 0, variant)
        cells = []
        for case in WORKMAIL_CASES:
            if only is None or case.name in only:
                cells += measure_case(server, case, fx, base, connections, seconds, say)
        return cells
    finally:
        server.stop()


def enforced_cells(scratch: Path, connections: list[int], seconds: float, say: Progress) -> list[Cell]:
    """DescribeOrganization with ``--auth enforce``: every signature recomputed and checked."""
    credentials = scratch / "credentials"
    credentials.write_text(f"[bench]\naws_access_key_id = {ACCOUNT}\naws_secret_access_key = {SECRET_KEY}\n"
                           f"account_id = {ACCOUNT}\n")
    return workmail_cells("memory", scratch, connections, seconds, say, only={"DescribeOrganization"},
                          variant=report.ENFORCE_VARIANT,
                          extra_args=("--auth", "enforce", "--credentials-file", str(credentials)))


def moto_cells(scratch: Path, connections: list[int], seconds: float, say: Progress) -> list[Cell]:
    """The peer: moto's server answering identitystore DescribeUser."""
    server = servers.moto(scratch)
    try:
        return measure_case(server, MOTO_CASE, {}, Cell(report.PEER, "", "", "", 0), connections, seconds, say)
    finally:
        server.stop()


def ready_times(scratch: Path, launches: int, say: Progress) -> dict[str, list[float]]:
    """Launch → health answers, over a few launches, in memory and on a new SQLite database."""
    times: dict[str, list[float]] = {"memory": [], "SQLite (new database)": []}
    for store in times:
        for n in range(launches):
            data_dir = None if store == "memory" else Path(tempfile.mkdtemp(dir=scratch, prefix="ready-"))
            server = servers.workmail_local(f"ready-{n}", scratch, data_dir)
            server.stop()
            times[store].append(round(server.ready_seconds, 3))
        say(f"ready ({store}): median {statistics.median(times[store]):.2f} s")
    return times


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="check the harness: 1 s per cell, 2 launches, short profile")
    parser.add_argument("--duration", type=float, default=None, help="seconds per cell (default 3, --quick 1)")
    parser.add_argument("--connections", default="1,32", help="connection counts (default 1,32)")
    parser.add_argument("--scale", type=int, default=None,
                        help="users in the large scaling server's organization; it also holds a tenth as many "
                             f"groups, and a tenth as many organizations in all (default {scaling.DEFAULT_SCALE:,}, "
                             f"--quick {scaling.QUICK_SCALE:,})")
    parser.add_argument("--launches", type=int, default=None, help="launches for ready time (default 5, --quick 2)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling step")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--profile", default="DescribeOrganization", choices=[c.name for c in WORKMAIL_CASES],
                        help="the case to profile (default DescribeOrganization)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (server logs, data)")
    parser.add_argument("--only", metavar="SECTIONS", default=None,
                        help="run only these sections, comma-separated (ready, bare, moto, memory, SQLite, logging, "
                             "auth enforce, slow work, scaling, profile)")
    args = parser.parse_args(argv)
    args.duration = args.duration or (1.0 if args.quick else 3.0)
    args.launches = args.launches or (2 if args.quick else 5)
    args.scale = args.scale or (scaling.QUICK_SCALE if args.quick else scaling.DEFAULT_SCALE)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.only = None if args.only is None else {name.strip() for name in args.only.split(",")}
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    say = Progress()
    os.sched_setaffinity(0, {LOADGEN_CORE})  # the driver (and wrk) stay off the servers' core
    RESULTS.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="workmail-local-bench-"))
    conns, seconds = args.connections, args.duration
    cells: list[Cell] = []
    run: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": commit(), "machine": machine(),
        "seconds_per_cell": seconds, "connections": conns, "server_core": SERVER_CORE,
        "loadgen_core": LOADGEN_CORE, "failures": [],
    }

    def section(name: str, step: Callable[[], Any]) -> Any:
        # A failing section is reported, and the others still run.
        if args.only is not None and name not in args.only:
            return None
        try:
            return step()
        except Exception as exc:  # noqa: BLE001
            say(f"{name} FAILED: {exc}")
            run["failures"].append({"section": name, "error": str(exc), "trace": traceback.format_exc()})
            return None

    try:
        run["ready"] = section("ready", lambda: ready_times(scratch, args.launches, say)) or {}
        cells += section("bare", lambda: bare_cells(scratch, conns, seconds, say, "start of run")) or []
        cells += section("moto", lambda: moto_cells(scratch, conns, seconds, say)) or []
        for store in ("memory", "SQLite"):
            cells += section(store, partial(workmail_cells, store, scratch, conns, seconds, say)) or []
        cells += section("logging", lambda: workmail_cells(
            "memory", scratch, conns, seconds, say, log_level=None, only={"DescribeOrganization"},
            variant=report.LOGGING_VARIANT)) or []
        cells += section("auth enforce", lambda: enforced_cells(scratch, conns, seconds, say)) or []
        cells += section("slow work", lambda: slow_work.run(scratch, seconds, say)) or []
        if not args.no_scaling and (args.only is None or "scaling" in args.only):
            result = section("scaling", lambda: scaling.run(scratch, conns, seconds, args.scale, say))
            if result is not None:
                cells += result.cells
                run["scaling"] = result.to_json()
        # The limit once more: the ratios use the mean of both, and the two show how much
        # the machine's load moved during the run.
        cells += section("bare", lambda: bare_cells(scratch, conns, seconds, say, "end of run")) or []
        if not args.no_profile and (args.only is None or "profile" in args.only):
            say(f"profiling {args.profile} with py-spy")
            profile = section("profile", lambda: profiling.run(scratch, RESULTS, 3.0 if args.quick else 6.0,
                                                               args.profile))
            if profile is not None:
                run["profile"] = profile.__dict__
    finally:
        servers.stop_all()
        if args.keep:
            say(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    # The limit's rows (start and end of the run) together, then the peer's, then ours in run order.
    cells.sort(key=lambda c: {report.LIMIT: 0, report.PEER: 1}.get(c.server, 2))
    goals = report.targets(cells, run.get("scaling", {}), run.get("ready", {}))
    run["elapsed_seconds"] = round(time.monotonic() - say.started, 1)
    results = {"run": run, "cells": [c.to_json() for c in cells], "targets": [g.to_json() for g in goals]}
    (RESULTS / "results.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    text = report.markdown(run, cells, goals)
    for failure in run["failures"]:
        text += f"\n**Section {failure['section']} failed:** {failure['error']}\n"
    (RESULTS / "results.md").write_text(text)
    if TOOLS_PYTHON.exists():  # bench/setup makes it; a bare `bench/suite.py --only …` may run without
        chart = subprocess.run([str(TOOLS_PYTHON), str(ROOT / "bench" / "chart.py"), str(RESULTS / "results.json"),
                                str(RESULTS / "cpu_per_request.png")], capture_output=True, text=True)
        if chart.returncode != 0:
            say(f"chart failed: {chart.stderr.strip()[-500:]}")
    else:
        say(f"chart skipped: {TOOLS_PYTHON.relative_to(ROOT)} is missing (bench/setup makes it)")
    print(text)
    say(f"done in {run['elapsed_seconds']:.0f} s; results in {RESULTS.relative_to(ROOT)}/")
    return 1 if run["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
