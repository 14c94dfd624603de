"""WorkMail Local's benchmark suite (run it with ``bench/run``; see bench/README.md).

In one run, with the same load generator and each server alone on one core: the limit
(a bare ASGI app), WorkMail Local in memory, on SQLite and on PostgreSQL, in its default
setting and with --auth enforce, and the peer (moto's server); worker processes; a mixed
load with and without password logins; mock_workmail() in-process against moto's
mock_aws; instructions per request under callgrind; then scaling to 100,000 users, ready
time, and a profile of the hot path. Prints one report and
writes bench/results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
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

import in_process
import instructions
import mixed_load
import postgres
import profiling
import report
import scaling
import servers
import tables
import workers
from cases import WORKMAIL_CASES
from cells import Cell, pair_with
from sections import (
    bare_cells, enforced_cells, moto_cells, no_log_cells, paired_baseline, postgres_cells, ready_times,
    workmail_cells,
)
from servers import LOADGEN_CORE, ROOT, SERVER_CORE

RESULTS = ROOT / "bench" / "results"
TOOLS_PYTHON = ROOT / "bench" / ".venv-tools" / "bin" / "python"
SECTIONS = ("ready", "bare", "moto", "memory", "SQLite", "PostgreSQL", "no log", "auth enforce", "workers",
            "mixed load", "in-process", "instructions", "scaling", "profile")


class Progress:
    """Progress lines on stderr, with the time since the start."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"bench [{time.monotonic() - self.started:5.0f}s] {message}", file=sys.stderr, flush=True)


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
    parser.add_argument("--connections", default="1,8,32", help="connection counts (default 1,8,32)")
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
                        help=f"run only these sections, comma-separated ({', '.join(SECTIONS)})")
    args = parser.parse_args(argv)
    args.duration = args.duration or (1.0 if args.quick else 3.0)
    args.launches = args.launches or (2 if args.quick else 5)
    args.scale = args.scale or (scaling.QUICK_SCALE if args.quick else scaling.DEFAULT_SCALE)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.only = None if args.only is None else {name.strip() for name in args.only.split(",")}
    unknown = sorted((args.only or set()) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; the sections: {', '.join(SECTIONS)}")
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
        "loadgen_core": LOADGEN_CORE, "failures": [], "section_seconds": {},
    }

    def section(name: str, step: Callable[[], Any]) -> Any:
        # A failing section is reported, and the others still run.
        if args.only is not None and name not in args.only:
            return None
        began = time.monotonic()
        try:
            return step()
        except Exception as exc:  # noqa: BLE001
            say(f"{name} FAILED: {exc}")
            run["failures"].append({"section": name, "error": str(exc), "trace": traceback.format_exc()})
            return None
        finally:
            took = run["section_seconds"].get(name, 0.0) + time.monotonic() - began
            run["section_seconds"][name] = round(took, 1)

    try:
        run["ready"] = section("ready", lambda: ready_times(scratch, args.launches, say)) or {}
        cells += section("bare", lambda: bare_cells(scratch, conns, seconds, say, "start of run")) or []
        cells += section("moto", lambda: moto_cells(scratch, conns, seconds, say)) or []
        # Every cell judged against the bare app is measured beside it, run by run (cells.py).
        if args.only is None or "bare" in args.only:
            pair_with(paired_baseline(scratch))
        for store in ("memory", "SQLite"):
            cells += section(store, partial(workmail_cells, store, scratch, conns, seconds, say)) or []
        cells += section("PostgreSQL", lambda: postgres_cells(scratch, conns, seconds, say)) or []
        cells += section("no log", lambda: no_log_cells(scratch, conns, seconds, say)) or []
        cells += section("auth enforce", lambda: enforced_cells(scratch, conns, seconds, say)) or []
        pair_with(None)
        cells += section("workers", lambda: workers.run(scratch, seconds, say)) or []
        run["mixed"] = section("mixed load", lambda: mixed_load.run(scratch, 2 * seconds, say)) or {}
        run["in_process"] = section("in-process", lambda: in_process.run(
            *((3, 0.2) if args.quick else (7, 0.5)))) or {}
        run["instructions"] = section("instructions", lambda: instructions.run(scratch, say)) or {}
        if not args.no_scaling and (args.only is None or "scaling" in args.only):
            result = section("scaling", lambda: scaling.run(scratch, conns, seconds, args.scale, say))
            if result is not None:
                cells += result.cells
                run["scaling"] = result.to_json()
        # The limit once more: cells without a paired baseline use the mean of both, and the
        # two show how much the machine's load moved during the run.
        cells += section("bare", lambda: bare_cells(scratch, conns, seconds, say, "end of run")) or []
        if not args.no_profile and (args.only is None or "profile" in args.only):
            say(f"profiling {args.profile} with py-spy")
            profile = section("profile", lambda: profiling.run(scratch, RESULTS, 3.0 if args.quick else 6.0,
                                                               args.profile))
            if profile is not None:
                run["profile"] = profile.__dict__
    finally:
        servers.stop_all()
        postgres.stop_shared()
        if args.keep:
            say(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    # The limit's rows (start and end of the run) together, then the peer's, then ours in run order.
    cells.sort(key=lambda c: {report.LIMIT: 0, report.PEER: 1}.get(c.server, 2))
    goals = report.targets(cells, run)
    run["elapsed_seconds"] = round(time.monotonic() - say.started, 1)
    results = {"run": run, "cells": [c.to_json() for c in cells], "targets": [g.to_json() for g in goals],
               "limits": report.CHART_LIMITS}
    (RESULTS / "results.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    text = tables.markdown(run, cells, goals)
    for failure in run["failures"]:
        text += f"\n**Section {failure['section']} failed:** {failure['error']}\n"
    (RESULTS / "results.md").write_text(text)
    if not any(c.measured for c in cells):
        say("chart skipped: no wrk cell was measured")
        (RESULTS / "cpu_per_request.png").unlink(missing_ok=True)  # not a stale one beside this report
    elif TOOLS_PYTHON.exists():  # bench/setup makes it; a bare `bench/suite.py --only …` may run without
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
