"""The targets of the issue (16), evaluated on a run: each figure, and whether it is met.

Ratios compare cells with the same number of connections: CPU per request against the
bare ASGI app's (the limit), requests/s against moto's (the peer). Rows with no target
(PostgreSQL, worker processes, the request log's cost) are "reported": their figures are
listed with no verdict. The scaling step's targets come from ``scaling.targets`` when
scaling.py defines it (see :func:`scaling_targets`), else from the functions here.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from cells import Cell

MB = 1024 * 1024
LIMIT = "bare ASGI"
PEER = "moto"
OURS = "WorkMail Local"
READ_CPU_LIMIT = 2.5
READ_THROUGHPUT_MIN = 40.0
THROUGHPUT_CONNECTIONS = 32
ENFORCE_CPU_LIMIT = 3.0
AUTH_CPU_LIMIT = 2.5
WRITE_CPU_LIMIT = 5.0
MOCK_VS_MOTO_MIN = 2.0
MOCK_VS_FLOOR_MIN = 0.75
MIXED_P99_LIMIT = 3.0
READY_LIMIT_S = 0.5
# Scaling (bench/scaling.py, bench/pagination.py): the large server's CPU/request over the
# small one's, the last page's over the first's, and the large server's VmRSS once loaded.
SCALING_LIMIT = 1.2
PAGINATION_LIMIT = 1.2
MEMORY_LIMIT_MB = 150
TARGET_STORES = ("memory", "SQLite")
# The rows' variants: "" is the default setting (request log on, --auth open).
NO_LOG_VARIANT = "no request log (--log-level warning)"
ENFORCE_VARIANT = "--auth enforce"
# Drawn on the chart (bench/chart.py reads them from results.json).
CHART_LIMITS = {"read": READ_CPU_LIMIT, "write": WRITE_CPU_LIMIT}


@dataclass
class Target:
    """A speed the issue asks for (or a figure it asks to see), and what this run measured."""

    name: str
    figures: list[tuple[str, str, bool]] = field(default_factory=list)  # (what, value, within the target)
    missing: list[str] = field(default_factory=list)  # cells not measured, with why
    judged: bool = True  # False: reported figures, no target

    @property
    def met(self) -> bool | None:
        """True/False over what was measured; None when nothing was (or nothing is judged)."""
        if not self.figures or not self.judged:
            return None
        return all(ok for _, _, ok in self.figures)

    @property
    def verdict(self) -> str:
        if not self.figures:
            return "not measured"
        if not self.judged:
            return "reported" + (f" ({len(self.missing)} not measured)" if self.missing else "")
        return ("met" if self.met else "NOT met") + (f" ({len(self.missing)} not measured)" if self.missing else "")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "met": self.met, "verdict": self.verdict, "judged": self.judged,
                "figures": [{"what": w, "value": v, "ok": ok} for w, v, ok in self.figures],
                "missing": self.missing}


def baseline(cells: list[Cell], server: str, connections: int, metric: str) -> float | None:
    """The mean of ``metric`` over the server's measured cells at this connection count
    (the bare app is measured at the start and at the end of the run)."""
    values = [getattr(c, metric) for c in cells if c.server == server and c.connections == connections and c.measured]
    return statistics.fmean(values) if values else None


def cpu_vs_bare(cell: Cell, cells: list[Cell]) -> float | None:
    """The cell's CPU per request over the bare app's: its paired baseline when it has one
    (measured beside it), else the mean of the run's start and end."""
    base = cell.bare_cpu_us or baseline(cells, LIMIT, cell.connections, "cpu_us")
    return cell.cpu_us / base if cell.measured and base else None


def rps_vs_moto(cell: Cell, cells: list[Cell]) -> float | None:
    peer = baseline(cells, PEER, cell.connections, "rps")
    return cell.rps / peer if cell.measured and peer else None


def label(cell: Cell) -> str:
    parts = [cell.operation, cell.store or "", cell.variant, f"c{cell.connections}"]
    return " ".join(p for p in parts if p)


def ratio_target(name: str, selected: list[Cell], cells: list[Cell], limit: float, ratio: Any,
                 against: str, at_least: bool = False) -> Target:
    """One figure per selected cell: its ratio (``cpu_vs_bare`` or ``rps_vs_moto``) against the limit."""
    target = Target(name)
    for cell in selected:
        value = ratio(cell, cells)
        if value is None:
            why = (f"{cell.status} {cell.reason}".strip() if not cell.measured
                   else f"no {against} cell at c{cell.connections}")
            target.missing.append(f"{label(cell)}: {why}")
        else:
            ok = value >= limit if at_least else value <= limit
            target.figures.append((label(cell), f"{value:.1f}×", ok))
    return target


def targets(cells: list[Cell], run: dict[str, Any]) -> list[Target]:
    """Every target of the issue, evaluated on this run (``run`` holds the non-cell results)."""
    ours = [c for c in cells if c.server == OURS]

    def rows(group: str, variant: str = "", stores: tuple[str, ...] = TARGET_STORES) -> list[Cell]:
        return [c for c in ours if c.group == group and c.variant == variant and c.store in stores]

    reads = rows("read")
    return [
        ratio_target(f"Reads: server CPU/request ≤ {READ_CPU_LIMIT:g}× the bare app's (default request log on)",
                     reads, cells, READ_CPU_LIMIT, cpu_vs_bare, LIMIT),
        ratio_target(f"Reads: throughput at {THROUGHPUT_CONNECTIONS} connections ≥ {READ_THROUGHPUT_MIN:g}× moto's",
                     [c for c in reads if c.connections == THROUGHPUT_CONNECTIONS], cells, READ_THROUGHPUT_MIN,
                     rps_vs_moto, PEER, at_least=True),
        ratio_target(f"Reads with --auth enforce: CPU/request ≤ {ENFORCE_CPU_LIMIT:g}× bare",
                     rows("read", ENFORCE_VARIANT), cells, ENFORCE_CPU_LIMIT, cpu_vs_bare, LIMIT),
        ratio_target(f"Mailbox authentication with a PAT: CPU/request ≤ {AUTH_CPU_LIMIT:g}× bare",
                     rows("auth"), cells, AUTH_CPU_LIMIT, cpu_vs_bare, LIMIT),
        ratio_target(f"Durable writes on SQLite: CPU/request ≤ {WRITE_CPU_LIMIT:g}× bare",
                     rows("write", stores=("SQLite",)), cells, WRITE_CPU_LIMIT, cpu_vs_bare, LIMIT),
        in_process_target(run.get("in_process", {})),
        mixed_target(run.get("mixed", {})),
        ready_target(run.get("ready", {})),
        *scaling_targets(ours, run.get("scaling", {})),
        log_cost(ours),
        postgres_report(ours, cells),
        workers_report(ours),
    ]


def in_process_target(result: dict[str, Any]) -> Target:
    """mock_workmail's calls/s against mock_aws's and against the canned floor's (best rounds)."""
    target = Target(f"In-process: mock_workmail() ≥ {MOCK_VS_MOTO_MIN:g}× mock_aws's calls/s and "
                    f"≥ {MOCK_VS_FLOOR_MIN:.0%} of the canned-response floor's (identitystore DescribeUser)")
    paths = result.get("paths")
    if not paths:
        if result.get("error"):
            target.missing.append(result["error"])
        return target
    ours, moto, floor = (paths[p]["best_calls_per_s"] for p in ("mock_workmail", "mock_aws", "canned floor"))
    target.figures.append((f"mock_workmail {ours:,.0f} calls/s vs mock_aws {moto:,.0f}", f"{ours / moto:.2f}×",
                           ours / moto >= MOCK_VS_MOTO_MIN))
    target.figures.append((f"mock_workmail {ours:,.0f} calls/s vs canned floor {floor:,.0f}", f"{ours / floor:.0%}",
                           ours / floor >= MOCK_VS_FLOOR_MIN))
    return target


def mixed_target(result: dict[str, Any]) -> Target:
    """Each kind's p99 with password logins running over its p99 without."""
    target = Target(f"Mixed load: each kind's p99 with password logins (argon2) running ≤ {MIXED_P99_LIMIT:g}× "
                    "its p99 without")
    runs = list(result.get("runs", {}).values())
    if len(runs) != 2:
        if result.get("status") not in (None, "measured"):
            target.missing.append(f"{result['status']}: {result.get('reason', '')}")
        return target
    quiet, busy = runs
    for kind, before in quiet["kinds"].items():
        after = busy["kinds"].get(kind)
        if not after or not before["requests"] or not after["requests"] or before["errors"] or after["errors"]:
            target.missing.append(f"{kind}: errors or no answers ({before['errors']}, {after and after['errors']})")
            continue
        ratio = after["p99_ms"] / before["p99_ms"]
        target.figures.append((f"{kind}: p99 {after['p99_ms']:.2f} ms vs {before['p99_ms']:.2f} ms", f"{ratio:.1f}×",
                               ratio <= MIXED_P99_LIMIT))
    return target


def ready_target(ready: dict[str, list[float]]) -> Target:
    target = Target(f"Ready (health answers) ≤ {READY_LIMIT_S:g} s after launch (median of launches)")
    for store, times in ready.items():
        if times:
            median = statistics.median(times)
            target.figures.append((f"{store}: median of {len(times)} (max {max(times):.2f} s)", f"{median:.2f} s",
                                   median <= READY_LIMIT_S))
    return target


def scaling_targets(ours: list[Cell], scaling: dict[str, Any]) -> list[Target]:
    """The scaling step's targets: ``scaling.targets(ours, scaling)`` when scaling.py defines
    one (the step owns its targets), else CPU/request and memory as below."""
    import scaling as step

    hook = getattr(step, "targets", None)
    if hook is not None:
        return list(hook(ours, scaling))
    return [scaling_target(ours, scaling), pagination_target(ours), memory_target(scaling)]


def scaling_target(ours: list[Cell], scaling: dict[str, Any]) -> Target:
    """CPU/request at the large scale over the small one, per operation and connections."""
    small, large = scaling.get("small_label", "10"), scaling.get("large_label", "100,000")
    target = Target(f"Scaling: CPU/request with {large} ≤ {SCALING_LIMIT:g}× with {small}")
    cells = [c for c in ours if c.group == "scaling"]
    for cell in cells:
        if cell.variant != large:
            continue
        base = next((c for c in cells if c.variant == small and c.operation == cell.operation
                     and c.connections == cell.connections), None)
        if base is None:
            continue
        add_cpu_ratio(target, cell, base, f"{cell.operation} c{cell.connections}", "", SCALING_LIMIT,
                      missing_label=f"{cell.operation} c{cell.connections}")
    return target


def pagination_target(ours: list[Cell]) -> Target:
    """The last full page of ListUsers over the first page, CPU/request (bench/pagination.py)."""
    target = Target(f"Pagination through every user: the last page's CPU/request ≤ {PAGINATION_LIMIT:g}× "
                    "the first page's")
    pages = [c for c in ours if c.group == "pagination"]
    for last in (c for c in pages if " last page" in c.operation):
        first = next((c for c in pages if " first page" in c.operation and c.connections == last.connections), None)
        if first is None:
            continue
        add_cpu_ratio(target, last, first, f"c{last.connections}", f" ({last.variant})", PAGINATION_LIMIT)
    return target


def add_cpu_ratio(target: Target, cell: Cell, base: Cell, label: str, note: str, limit: float,
                  missing_label: str | None = None) -> None:
    """``cell``'s CPU/request over ``base``'s as one figure of ``target`` (within ``limit``),
    or, when either was not measured, why (under ``missing_label``, default the unmeasured
    cell's operation and connections)."""
    if not (cell.measured and base.measured and base.cpu_us):
        missing = cell if not cell.measured else base
        what = missing_label or f"{missing.operation} c{missing.connections}"
        target.missing.append(f"{what}: {missing.status} {missing.reason}")
        return
    ratio = cell.cpu_us / base.cpu_us
    target.figures.append((f"{label}: {cell.cpu_us:,.0f} vs {base.cpu_us:,.0f} µs{note}", f"{ratio:.2f}×",
                           ratio <= limit))


def memory_target(scaling: dict[str, Any]) -> Target:
    """The large server's VmRSS once it holds what issue 16 names (its users not registered
    yet); with every user registered (an address each) is reported in the notes."""
    label = scaling.get("large_label", "")
    target = Target(f"Memory (VmRSS) after loading {label or 'the large scaling server'} < {MEMORY_LIMIT_MB} MB")
    for operation, (status, reason) in scaling.get("missing", {}).items():
        target.missing.append(f"{operation}: {status} {reason}")
    readings = scaling.get("memory", {}).get(label, {})
    if "loaded" in readings:
        rss = readings["loaded"]
        registered = (f"; {readings['registered'] / MB:.0f} MB once every user is registered, an address each"
                      if "registered" in readings else "")
        target.figures.append((f"server holding {label} (users not registered yet{registered})",
                               f"{rss / MB:.0f} MB", rss / MB < MEMORY_LIMIT_MB))
    return target


def scaling_notes(scaling: dict[str, Any]) -> list[str]:
    """What the scaling step measured besides its cells: memory, the load's phases, the walk."""
    out = []
    for label, readings in scaling.get("memory", {}).items():
        phases = scaling.get("load", {}).get(label, {})
        total = phases.get("total", {})
        out.append(f"Scaling server with {label}: VmRSS "
                   + ", ".join(f"{v / MB:.0f} MB {k}" for k, v in readings.items())
                   + f"; loading through the API: {total.get('calls', 0):,.0f} calls in "
                   f"{total.get('seconds', 0):.1f} s (server CPU {total.get('server_cpu_seconds', 0):.1f} s: "
                   + ", ".join(f"{name} {p['calls']:,.0f} in {p['seconds']:.1f} s → VmRSS "
                               f"{p['rss_after_bytes'] / MB:.0f} MB" for name, p in phases.items() if name != "total")
                   + ").")
    walk = scaling.get("walk")
    if walk:
        out.append(f"Paging through all {walk['users']:,} users ({walk['page_size']} per page): {walk['pages']:,} "
                   f"pages in {walk['seconds']:.1f} s, server CPU {walk['server_cpu_us_per_page']:,} µs per page; "
                   f"round trip of the first {walk['ends']} pages {walk['first_pages_ms']:.2f} ms, of the last "
                   f"{walk['ends']} {walk['last_pages_ms']:.2f} ms (median {walk['median_page_ms']:.2f} ms).")
    return out


def log_cost(ours: list[Cell]) -> Target:
    """What the default request log costs: DescribeOrganization in memory with it and without."""
    target = Target("The request log's cost: DescribeOrganization in memory, default log vs none", judged=False)
    for quiet in (c for c in ours if c.variant == NO_LOG_VARIANT and c.measured):
        logged = next((c for c in ours if c.variant == "" and c.store == quiet.store and c.measured
                       and c.operation == quiet.operation and c.connections == quiet.connections), None)
        if logged and quiet.cpu_us:
            target.figures.append((f"c{quiet.connections}: {logged.cpu_us:,.0f} µs with the log, "
                                   f"{quiet.cpu_us:,.0f} µs without", f"{logged.cpu_us / quiet.cpu_us:.2f}×", True))
    return target


def postgres_report(ours: list[Cell], cells: list[Cell]) -> Target:
    """PostgreSQL: server CPU/request against the bare app's, and the database's own CPU beside it."""
    target = Target("PostgreSQL (no target): server CPU/request × bare, and the database's CPU/request", judged=False)
    for cell in (c for c in ours if c.store == "PostgreSQL" and c.group in ("read", "write", "auth")):
        ratio = cpu_vs_bare(cell, cells)
        if ratio is None or cell.db_cpu_us is None:
            target.missing.append(f"{label(cell)}: {cell.status} {cell.reason}".strip())
        else:
            target.figures.append((f"{label(cell)}: server {cell.cpu_us:,.0f} µs + database {cell.db_cpu_us:,.0f} µs",
                                   f"{ratio:.1f}×", True))
    return target


def workers_report(ours: list[Cell]) -> Target:
    """Worker processes: requests/s with 2 workers against 1, per store."""
    target = Target("Worker processes (no target): requests/s with 2 workers vs 1, nothing pinned", judged=False)
    by_store: dict[str, list[Cell]] = {}
    for cell in (c for c in ours if c.group == "workers"):
        by_store.setdefault(cell.store, []).append(cell)
    for store, pair in by_store.items():
        if len(pair) == 2 and all(c.measured for c in pair):
            one, two = pair
            what = f"{store} {one.operation} c{one.connections}: {one.rps:,.0f} → {two.rps:,.0f} req/s"
            target.figures.append((what, f"{two.rps / one.rps:.2f}×", True))
        else:
            target.missing += [f"{label(c)}: {c.status} {c.reason}".strip() for c in pair if not c.measured]
    return target
