"""Where WorkMail Local's CPU goes on the DescribeOrganization hot path: py-spy samples the
server while wrk drives it, and the folded stacks are summed per function.

Shares are of the samples in which the server was busy. py-spy is meant to drop idle
threads' samples, but it judges idleness from the OS thread state, which misses threads
blocked in a lock or condition wait here (the export runner's ``Condition.wait`` showed
as a third of all "busy" time): stacks whose innermost frame is a known wait
(:data:`WAITS`: threading's waits, a selector's select, a queue's get, an idle
thread-pool worker) are left out and counted apart. "Inclusive" counts a function when
it is anywhere on the stack, "self" only when it is the innermost Python frame (time
in C code it called, such as sqlite3 or orjson, counts as the calling Python function's
own; so does the event loop's own time in uvloop, under ``Runner.run``).
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import servers
import wrk
from cases import WORKMAIL_CASES, Fixtures, prepare
from servers import LOADGEN_CORE, ROOT

PY_SPY = ROOT / "bench" / ".venv-tools" / "bin" / "py-spy"
RATE = 250  # samples per second: enough detail, little disturbance
# Innermost frames of a thread that is waiting, not working (py-spy's --nolineno frame names).
WAITS = (
    "Condition.wait (threading.py)", "Event.wait (threading.py)", "Semaphore.acquire (threading.py)",
    "Thread.join (threading.py)", "Thread._wait_for_tstate_lock (threading.py)",
    "select (selectors.py)", "get (queue.py)", "_worker (concurrent/futures/thread.py)",
)


def waiting(leaf: str) -> bool:
    """Whether a stack's innermost frame is a wait (``EpollSelector.select (selectors.py)`` too)."""
    return any(leaf == w or leaf.endswith("." + w) for w in WAITS)


@dataclass
class Profile:
    """A summarised profile."""

    operation: str
    samples: int = 0
    idle_samples: int = 0  # samples of threads waiting (WAITS), left out of the shares
    inclusive: list[tuple[str, float]] = field(default_factory=list)  # (function, share 0..1)
    self_time: list[tuple[str, float]] = field(default_factory=list)
    folded_path: str = ""
    error: str = ""


def summarise(folded: str, top: int = 25) -> tuple[int, int, list[tuple[str, float]], list[tuple[str, float]]]:
    """Busy samples, idle samples (left out), and the top functions by inclusive and by self
    share of the busy ones, from folded stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = idle = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if waiting(frames[-1]):
            idle += count
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return 0, idle, [], []
    # Frames on (nearly) every stack are the server's entry points: they say nothing.
    inclusive = Counter({f: n for f, n in inclusive.items() if n < 0.99 * total})
    return (total, idle,
            [(f, n / total) for f, n in inclusive.most_common(top)],
            [(f, n / total) for f, n in own.most_common(top)])


def run(log_dir: Path, results_dir: Path, seconds: float, case_name: str = "DescribeOrganization") -> Profile:
    """Profile one case (DescribeOrganization by default) on an in-memory server with the
    default request log, under 32 connections."""
    case = next(c for c in WORKMAIL_CASES if c.name == case_name)
    profile = Profile(case.name)
    server = servers.workmail_local("profile", log_dir, data_dir=None, log_level=None)
    try:
        fx: Fixtures = {}
        request = prepare(server, case, fx, warmup=200)
        slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"(?<=[a-z])(?=[A-Z])", "-", case.name).lower()).strip("-")
        folded = results_dir / f"profile-{slug}.folded"
        load = threading.Thread(target=wrk.run, args=(server.port, request, 32, seconds + 1.0), daemon=True)
        load.start()
        spy = subprocess.run(
            ["taskset", "-c", str(LOADGEN_CORE), str(PY_SPY), "record", "--pid", str(server.pid),
             "--duration", str(max(1, int(seconds))), "--rate", str(RATE), "--format", "raw", "--nolineno",
             "--output", str(folded)],
            capture_output=True, text=True, timeout=seconds + 60,
        )
        load.join(timeout=seconds + 60)
        if spy.returncode != 0 or not folded.exists():
            profile.error = f"py-spy exited {spy.returncode}: {spy.stderr.strip()[-500:]}"
            return profile
        profile.samples, profile.idle_samples, profile.inclusive, profile.self_time = summarise(folded.read_text())
        profile.folded_path = str(folded.relative_to(ROOT))
    finally:
        server.stop()
    return profile
