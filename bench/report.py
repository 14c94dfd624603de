"""The results: one table (markdown, also printed), the targets and whether each is met, JSON.

Ratios compare cells with the same number of connections: CPU per request against the
bare ASGI app's (the limit), requests/s against moto's (the peer).
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
READ_CPU_LIMIT = 4.0
READ_THROUGHPUT_MIN = 10.0
WRITE_CPU_LIMIT = 8.0
AUTH_CPU_LIMIT = 4.0
# Scaling (bench/scaling.py, bench/pagination.py): the large server's CPU/request over the
# small one's, the last page's over the first's, and the large server's VmRSS once loaded.
SCALING_LIMIT = 1.2
PAGINATION_LIMIT = 1.2
MEMORY_LIMIT_MB = 150
READY_LIMIT_S = 1.0
LOGGING_VARIANT = "logging on (info)"
# A read's latency while password logins run (bench/slow_work.py), against the same read idle.
SLOW_WORK_GROUP = "slow work"
SLOW_WORK_P99_LIMIT = 3.0
# Reported, with no target of its own: what verifying every signature costs.
ENFORCE_VARIANT = "--auth enforce"


@dataclass
class Target:
    """A speed the issue asks for, and what this run measured against it."""

    name: str
    figures: list[tuple[str, str, bool]] = field(default_factory=list)  # (what, value, within the target)
    missing: list[str] = field(default_factory=list)  # cells not measured, with why

    @property
    def met(self) -> bool | None:
        """True/False over what was measured; None when nothing was."""
        if not self.figures:
            return None
        return all(ok for _, _, ok in self.figures)

    @property
    def verdict(self) -> str:
        met = self.met
        if met is None:
            return "not measured"
        return ("met" if met else "NOT met") + (f" ({len(self.missing)} not measured)" if self.missing else "")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "met": self.met, "verdict": self.verdict,
                "figures": [{"what": w, "value": v, "ok": ok} for w, v, ok in self.figures],
                "missing": self.missing}


def baseline(cells: list[Cell], server: str, connections: int, metric: str) -> float | None:
    """The mean of ``metric`` over the server's measured cells at this connection count
    (the bare app is measured at the start and at the end of the run)."""
    values = [getattr(c, metric) for c in cells if c.server == server and c.connections == connections and c.measured]
    return statistics.fmean(values) if values else None


def cpu_vs_bare(cell: Cell, cells: list[Cell]) -> float | None:
    base = baseline(cells, LIMIT, cell.connections, "cpu_us")
    return cell.cpu_us / base if cell.measured and base else None


def rps_vs_moto(cell: Cell, cells: list[Cell]) -> float | None:
    peer = baseline(cells, PEER, cell.connections, "rps")
    return cell.rps / peer if cell.measured and peer else None


def _label(cell: Cell) -> str:
    parts = [cell.operation, cell.store or "", cell.variant, f"c{cell.connections}"]
    return " ".join(p for p in parts if p)


def targets(cells: list[Cell], scaling: dict[str, Any], ready: dict[str, list[float]]) -> list[Target]:
    """Every target of the issue, evaluated on this run."""
    ours = [c for c in cells if c.server == OURS]

    def ratio_target(name: str, selected: list[Cell], limit: float, ratio: Any, at_least: bool = False) -> Target:
        target = Target(name)
        for cell in selected:
            value = ratio(cell, cells)
            if value is None:
                target.missing.append(f"{_label(cell)}: {cell.status} {cell.reason}".strip())
            else:
                ok = value >= limit if at_least else value <= limit
                target.figures.append((_label(cell), f"{value:.1f}×", ok))
        return target

    reads = [c for c in ours if c.group == "read" and c.variant == ""]
    # With one connection throughput is bounded by the round trip (client included), not by
    # the server: even the bare app is only ~10× moto there. Capacity is compared at the most.
    most = max((c.connections for c in cells), default=0)
    logged = [c for c in ours if c.group == "read" and c.variant == LOGGING_VARIANT]
    puts = [c for c in ours if c.group == "write" and c.store == "SQLite"]
    auths = [c for c in ours if c.group == "auth"]
    result = [
        ratio_target(f"Reads: server CPU/request ≤ {READ_CPU_LIMIT:g}× the bare app's", reads,
                     READ_CPU_LIMIT, cpu_vs_bare),
        ratio_target(f"Reads: throughput at {most} connections ≥ {READ_THROUGHPUT_MIN:g}× moto's",
                     [c for c in reads if c.connections == most], READ_THROUGHPUT_MIN, rps_vs_moto, at_least=True),
        ratio_target(f"Reads with the default per-request log: CPU/request ≤ {READ_CPU_LIMIT:g}× bare",
                     logged, READ_CPU_LIMIT, cpu_vs_bare),
        ratio_target(f"PutIdentityProviderConfiguration on SQLite (durable): CPU/request ≤ {WRITE_CPU_LIMIT:g}× bare",
                     puts, WRITE_CPU_LIMIT, cpu_vs_bare),
        ratio_target(f"Mailbox authentication with a PAT: CPU/request ≤ {AUTH_CPU_LIMIT:g}× bare", auths,
                     AUTH_CPU_LIMIT, cpu_vs_bare),
        slow_work_target(ours),
        scaling_target(ours, scaling),
        pagination_target(ours),
        memory_target(scaling),
        ready_target(ready),
    ]
    return result


def slow_work_target(ours: list[Cell]) -> Target:
    """The read's p99 while password logins run over its p99 idle (first cell: idle)."""
    target = Target(f"Reads while password logins run: p99 ≤ {SLOW_WORK_P99_LIMIT:g}× the same read's idle p99")
    pair = [c for c in ours if c.group == SLOW_WORK_GROUP]
    if len(pair) != 2:
        return target
    idle, busy = pair
    if not (idle.measured and busy.measured and idle.p99_ms):
        missing = busy if not busy.measured else idle
        target.missing.append(f"{_label(missing)}: {missing.status} {missing.reason}")
        return target
    ratio = busy.p99_ms / idle.p99_ms
    target.figures.append((f"{busy.operation} p99 {busy.p99_ms:.2f} ms ({busy.variant}) vs {idle.p99_ms:.2f} ms idle; "
                           f"p50 {busy.p50_ms:.2f} vs {idle.p50_ms:.2f} ms", f"{ratio:.1f}×",
                           ratio <= SLOW_WORK_P99_LIMIT))
    return target


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
        if not (cell.measured and base.measured and base.cpu_us):
            missing = cell if not cell.measured else base
            target.missing.append(f"{cell.operation} c{cell.connections}: {missing.status} {missing.reason}")
            continue
        ratio = cell.cpu_us / base.cpu_us
        target.figures.append((f"{cell.operation} c{cell.connections}: {cell.cpu_us:,.0f} vs {base.cpu_us:,.0f} µs",
                               f"{ratio:.2f}×", ratio <= SCALING_LIMIT))
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
        if not (first.measured and last.measured and first.cpu_us):
            missing = last if not last.measured else first
            target.missing.append(f"{missing.operation} c{missing.connections}: {missing.status} {missing.reason}")
            continue
        ratio = last.cpu_us / first.cpu_us
        target.figures.append((f"c{last.connections}: {last.cpu_us:,.0f} vs {first.cpu_us:,.0f} µs ({last.variant})",
                               f"{ratio:.2f}×", ratio <= PAGINATION_LIMIT))
    return target


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


def ready_target(ready: dict[str, list[float]]) -> Target:
    target = Target(f"Ready (health answers) < {READY_LIMIT_S:g} s after launch (median of launches)")
    for store, times in ready.items():
        if times:
            median = statistics.median(times)
            target.figures.append((f"{store}: median of {len(times)} (max {max(times):.2f} s)", f"{median:.2f} s",
                                   median < READY_LIMIT_S))
    return target


# -- markdown -----------------------------------------------------------------------------

def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{suffix}"


def table(cells: list[Cell]) -> str:
    """The results table, one row per cell."""
    lines = [
        "| Server | Store | Operation | Conns | req/s | p50 ms | p99 ms | CPU µs/req | CPU × bare | req/s × moto |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cell in cells:
        operation = f"{cell.operation} ({cell.variant})" if cell.variant else cell.operation
        head = f"| {cell.server} | {cell.store or '—'} | {operation} | {cell.connections} "
        if not cell.measured:
            lines.append(head + f"| **{cell.status}**: {cell.reason} | | | | | |")
            continue
        lines.append(
            head + f"| {cell.rps:,.0f} | {cell.p50_ms:.2f} | {cell.p99_ms:.2f} | {cell.cpu_us:,.0f} "
            f"| {_fmt(cpu_vs_bare(cell, cells), '.1f', '×')} | {_fmt(rps_vs_moto(cell, cells), '.1f', '×')} |"
        )
    return "\n".join(lines)


def markdown(run: dict[str, Any], cells: list[Cell], goals: list[Target]) -> str:
    """The whole report."""
    out = [f"## Benchmark results ({run['date']}, commit {run['commit']})", "",
           f"{run['seconds_per_cell']:g} s per cell; wrk (1 thread) on core {run['loadgen_core']}, each server "
           f"alone on core {run['server_core']}; {run['machine']}. Server CPU per request comes from "
           "/proc/<pid>/stat (utime+stime over the run ÷ requests completed), the lowest of three runs per cell.", "",
           table(cells), ""]
    out += scaling_notes(run.get("scaling", {}))
    for store, times in run.get("ready", {}).items():
        out.append(f"Ready after launch ({store}): " + ", ".join(f"{t:.2f}" for t in times) + " s.")
    out += ["", "### Targets", ""]
    for goal in goals:
        out.append(f"- **{goal.verdict}** — {goal.name}")
        for what, value, ok in goal.figures:
            out.append(f"  - {what}: {value}{'' if ok else ' ✗'}")
        for missing in goal.missing:
            out.append(f"  - not measured: {missing}")
    profile = run.get("profile")
    if profile:
        out += ["", f"### Profile: {profile['operation']} (py-spy, in memory, 32 connections)", ""]
        if profile.get("error"):
            out.append(f"Profiling failed: {profile['error']}")
        else:
            out.append(f"{profile['samples']} busy samples; folded stacks in `{profile['folded_path']}`.")
            out += ["", "| Inclusive | Function | | Self | Function |", "|--:|---|---|--:|---|"]
            for (fi, si), (fs, ss) in zip(profile["inclusive"][:20], profile["self_time"][:20], strict=False):
                out.append(f"| {si:.0%} | `{fi}` | | {ss:.0%} | `{fs}` |")
    out += ["", "![Server CPU per request](cpu_per_request.png)", ""]
    return "\n".join(out)
