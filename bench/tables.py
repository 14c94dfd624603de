"""The report in markdown (also printed): the wrk table, the in-process and mixed-load tables,
the targets with each figure, and the profile summary.

``bench/publish`` takes the table starting ``| Server`` and the lines starting ``- **``
(the targets) from it: keep both shapes.
"""

from __future__ import annotations

from typing import Any

from cells import Cell
from report import Target, cpu_vs_bare, rps_vs_moto, scaling_notes


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{suffix}"


def table(cells: list[Cell]) -> str:
    """The results table, one row per cell."""
    lines = [
        "| Server | Store | Operation | Conns | req/s | p50 ms | p99 ms | CPU µs/req | DB CPU µs/req "
        "| bare µs/req (paired) | CPU × bare | req/s × moto |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cell in cells:
        operation = f"{cell.operation} ({cell.variant})" if cell.variant else cell.operation
        head = f"| {cell.server} | {cell.store or '—'} | {operation} | {cell.connections} "
        if not cell.measured:
            lines.append(head + f"| **{cell.status}**: {cell.reason} | | | | | | | |")
            continue
        lines.append(
            head + f"| {cell.rps:,.0f} | {cell.p50_ms:.2f} | {cell.p99_ms:.2f} | {cell.cpu_us:,.0f} "
            f"| {_fmt(cell.db_cpu_us, ',.0f')} | {_fmt(cell.bare_cpu_us, ',.0f')} "
            f"| {_fmt(cpu_vs_bare(cell, cells), '.1f', '×')} | {_fmt(rps_vs_moto(cell, cells), '.1f', '×')} |"
        )
    return "\n".join(lines)


def in_process_table(result: dict[str, Any]) -> list[str]:
    """mock_aws, mock_workmail and the canned floor side by side, and the hooks each went through."""
    if not result:
        return []
    out = ["", "### In-process: boto3 identitystore DescribeUser, no socket", ""]
    if result.get("error"):
        return [*out, f"Not measured: {result['error']}"]
    paths = result["paths"]
    floor, moto = paths["canned floor"]["best_calls_per_s"], paths["mock_aws"]["best_calls_per_s"]
    out += [f"One interpreter (Python {result['python']}, botocore {result['botocore']}) pinned to one core; "
            f"{result['rounds']} interleaved rounds of {result['seconds_per_round']:g} s per path; best and median "
            "round.", "",
            "| Path | calls/s (best) | µs/call (best) | µs/call (median) | × mock_aws | of canned floor "
            "| answered by |",
            "|---|--:|--:|--:|--:|--:|---|"]
    for name, path in paths.items():
        best = path["best_calls_per_s"]
        out.append(f"| {name} | {best:,.0f} | {path['best_us_per_call']:,.1f} | {path['median_us_per_call']:,.1f} "
                   f"| {best / moto:.1f}× | {best / floor:.0%} | `{path['answered_by']}` |")
    out += ["", hooks_summary(paths)]
    return out


def hooks_summary(paths: dict[str, Any]) -> str:
    """Which botocore events the paths emit, where their handlers differ, and what those are."""
    events = {name: path["events"] for name, path in paths.items()}
    names = list(dict.fromkeys(e for ev in events.values() for e in ev))
    common = [e for e in names if all(e in ev for ev in events.values())]
    differ = [e for e in common if len({tuple(ev[e]) for ev in events.values()}) > 1]
    same = [e for e in common if e not in differ]
    shared = [h for e in same for h in next(iter(events.values()))[e]]
    whose = "all botocore's own" if all(h.startswith("botocore.") for h in shared) else "not all botocore's"
    text = ("Hooks: " + ", ".join(f"{name} emits {len(ev)} botocore events" for name, ev in events.items())
            + f"; on {len(same)} that all emit, the same {len(shared)} handlers run ({whose}). ")
    for event in differ:
        text += f"`{event}`: " + "; ".join(f"{name} → " + (", ".join(f"`{h}`" for h in ev[event]) or "none")
                                            for name, ev in events.items()) + ". "
    partial = [e for e in names if e not in common]
    if partial:
        text += "Not emitted by every path: " + "; ".join(
            f"`{e}` (" + ", ".join(name for name, ev in events.items() if e in ev) + ")" for e in partial) + ". "
    return text + ("A before-call answer (botocore's Stubber answers there too) skips signing and sending; "
                   "mock_workmail parses its answer with botocore's own parser. botocore calls every before-send "
                   "handler and uses the first answer that is not None.")


def _section(title: str, result: dict[str, Any]) -> tuple[list[str], bool]:
    """A section's heading, followed by why when it was not measured (nothing when it did
    not run); and whether its figures follow."""
    if not result:
        return [], False
    out = ["", f"### {title}", ""]
    if result.get("status") != "measured":
        return [*out, f"**{result.get('status')}**: {result.get('reason', '')}"], False
    return out, True


def mixed_table(result: dict[str, Any]) -> list[str]:
    """Each kind's rate and latency, without and with password logins running."""
    out, measured = _section("Mixed load (Python asyncio load generator, SQLite, default log)", result)
    if not measured:
        return out
    out += ["| Run | Kind | requests | req/s | p50 ms | p99 ms | errors |", "|---|---|--:|--:|--:|--:|--:|"]
    for label, run in result["runs"].items():
        for kind, k in run["kinds"].items():
            out.append(f"| {label} | {kind} | {k['requests']:,} | {k['rps']:,.0f} | {k['p50_ms']:.2f} "
                       f"| {k['p99_ms']:.2f} | {k['errors']} |")
        out.append(f"| {label} | all | | {run['rps']:,.0f} | | | server CPU {run['cpu_us']:,.0f} µs/req; "
                   f"load generator busy {run.get('client_busy', 0):.0%} of its core |")
    return out


def instructions_table(result: dict[str, Any]) -> list[str]:
    """Instructions per request under callgrind, against the bare app's (bench/instructions.py)."""
    out, measured = _section("Instructions per request (callgrind: user space, one connection, in memory, "
                             "default log)", result)
    if not measured:
        return out
    out += [f"Each case's request sent {result['requests']} times after its warm-up; the bare app "
            f"executes {result['bare']:,} instructions per request. Unlike CPU time, these counts do not move "
            "with the machine's load; they leave out the kernel and the cost of cache misses.", "",
            "| Operation | Variant | instructions/request | × bare |", "|---|---|--:|--:|"]
    for row in result["rows"]:
        if row["status"] != "measured":
            out.append(f"| {row['operation']} | {row['variant']} | {row['status']}: {row.get('reason', '')} | |")
        else:
            out.append(f"| {row['operation']} | {row['variant']} | {row['instructions']:,} | {row['ratio']:.2f}× |")
    return out


def markdown(run: dict[str, Any], cells: list[Cell], goals: list[Target]) -> str:
    """The whole report."""
    out = [f"## Benchmark results ({run['date']}, commit {run['commit']})", "",
           f"{run['seconds_per_cell']:g} s per cell; wrk (1 thread) on core {run['loadgen_core']}, each server "
           f"alone on core {run['server_core']} (the worker rows: nothing pinned); {run['machine']}. Server CPU per "
           "request comes from /proc (utime+stime of the server's processes over the run ÷ requests completed), the "
           "lowest of up to three runs per cell (one with --quick); DB CPU likewise from the run's own PostgreSQL cluster. WorkMail Local "
           "runs with its default request log (info, to its log file) unless the row says otherwise.", "",
           table(cells), ""]
    out += scaling_notes(run.get("scaling", {}))
    for store, times in run.get("ready", {}).items():
        out.append(f"Ready after launch ({store}): " + ", ".join(f"{t:.2f}" for t in times) + " s.")
    out += in_process_table(run.get("in_process", {}))
    out += mixed_table(run.get("mixed", {}))
    out += instructions_table(run.get("instructions", {}))
    out += ["", "### Targets", ""]
    for goal in goals:
        out.append(f"- **{goal.verdict}** — {goal.name}")
        for what, value, ok in goal.figures:
            out.append(f"  - {what}: {value}{'' if ok else ' ✗'}")
        for missing in goal.missing:
            out.append(f"  - not measured: {missing}")
    out += profile_summary(run.get("profile"))
    if run.get("section_seconds"):
        out += ["", f"Run time {run.get('elapsed_seconds', 0):.0f} s: "
                + ", ".join(f"{name} {took:.0f} s" for name, took in run["section_seconds"].items()) + "."]
    out += ["", "![Server CPU per request](cpu_per_request.png)", ""]
    return "\n".join(out)


def profile_summary(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return []
    out = ["", f"### Profile: {profile['operation']} (py-spy, in memory, default log, 32 connections)", ""]
    if profile.get("error"):
        return [*out, f"Profiling failed: {profile['error']}"]
    out.append(f"{profile['samples']} busy samples ({profile.get('idle_samples', 0)} samples of waiting threads left "
               f"out); folded stacks in `{profile['folded_path']}`.")
    out += ["", "| Inclusive | Function | | Self | Function |", "|--:|---|---|--:|---|"]
    for (fi, si), (fs, ss) in zip(profile["inclusive"][:20], profile["self_time"][:20], strict=False):
        out.append(f"| {si:.0%} | `{fi}` | | {ss:.0%} | `{fs}` |")
    return out
