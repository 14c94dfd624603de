"""What the kernel says about a process and the processes it started: CPU time and memory.

A server with worker processes (``serve --workers N``) and a PostgreSQL cluster (the
postmaster and its backends) are process trees, so CPU time is summed over the tree:
every live descendant's utime + stime, plus the root's cutime + cstime (descendants
that already exited and were waited for). Descendants are found by walking /proc for
parent PIDs: /proc/<pid>/task/<tid>/children needs a kernel option many lack.
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3, the state, first);
    None when the process is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name is in parentheses and may hold spaces or parentheses itself.
    return stat.rpartition(")")[2].split()


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (children, their children, …)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU time of ``root`` and all its descendants, live or exited and waited for.

    Raises ``ProcessLookupError`` when ``root`` itself is gone.
    """
    fields = _stat_fields(root)
    if fields is None:
        raise ProcessLookupError(root)
    # utime, stime, cutime, cstime are fields 14-17 of the stat line: 11-14 counted from the state.
    ticks = sum(int(v) for v in fields[11:15])
    for pid in descendants(root):
        child = _stat_fields(pid)
        if child is not None:
            ticks += int(child[11]) + int(child[12])
    return ticks / CLOCK_TICKS


def tree_size(root: int) -> int:
    """How many processes ``root``'s tree holds now (itself included)."""
    return 1 + len(descendants(root))


def rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of one process."""
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ProcessLookupError(f"no VmRSS in /proc/{pid}/status")
