"""Instructions per request: the figure this shared machine cannot move.

Server CPU per request moves by up to half between runs here (other tenants, clock
frequency, caches), even with paired baselines. Callgrind counts the instructions a
process executes in user space, which stay the same for the same code, inputs and
environment, whatever else the machine runs. So this section gives a second ratio to the
bare app that a change can be judged by to within a percent.

Each server (the bare app, WorkMail Local in memory with its default request log, and
in memory with ``--auth enforce``) runs under ``valgrind --tool=callgrind``, about 50×
slower, on the server core. One keep-alive connection sends each case's request
``REQUESTS`` times after the case's usual set-up and warm-up (:func:`cases.prepare`).
The count is the difference between two callgrind dumps around those requests, divided
by them.

What it leaves out: the kernel's share (system calls, the network stack), which is about
the same for both apps, and the cost of cache misses, which grows with the larger app.
The CPU-time ratio is the target; this one shows whether our own work grew or shrank.
With one connection there is no batching of several requests per event-loop turn, as
wrk's 32 connections give.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import report
import servers
from cases import READ_NAMES, WORKMAIL_CASES, Case, Fixtures, Unavailable, prepare
from http_client import Connection, Request
from sections import bare_request, enforce_args

REQUESTS = 200
_TOTAL = re.compile(rb"^(?:totals|summary): (\d+)", re.M)

Say = Callable[[str], None]


def unavailable_reason() -> str | None:
    """Why the section cannot run here (``None``: it can)."""
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found (Debian's valgrind package)" if missing else None


class Counter:
    """A server under callgrind, and the instructions it executes for a run of requests."""

    def __init__(self, start: Callable[[tuple[str, ...]], servers.Server], out_dir: Path) -> None:
        self.out_dir = out_dir
        self.server = start(("valgrind", "--tool=callgrind", f"--callgrind-out-file={out_dir}/callgrind.out"))
        self._seen: set[Path] = set()

    def _dump(self, label: str) -> int:
        """Dump the counts since the last dump; their total (from the dump naming ``label``:
        callgrind numbers its files itself; the label is sent as a word)."""
        label = re.sub(r"\W+", "-", label).strip("-")
        done = subprocess.run(["callgrind_control", "--dump=" + label, str(self.server.pid)],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"callgrind_control failed: {done.stdout.strip()} {done.stderr.strip()}")
        trigger = f"desc: Trigger: dump {label}\n".encode()
        for dump in sorted(set(self.out_dir.glob("callgrind.out.*")) - self._seen):
            self._seen.add(dump)
            text = dump.read_bytes()
            found = _TOTAL.search(text)
            if trigger in text[:4000] and found is not None:
                return int(found.group(1))
        raise RuntimeError(f"callgrind wrote no dump for {label!r} in {self.out_dir}")

    def per_request(self, request: Request, label: str) -> float:
        """Instructions per request of ``REQUESTS`` sends of ``request`` on one connection."""
        conn = Connection(self.server.port, timeout=120.0)
        try:
            self._dump("before " + label)
            for _ in range(REQUESTS):
                answer = conn.send(request)
                if answer.status != 200:
                    raise RuntimeError(f"{label} answered {answer.error} under callgrind")
            return self._dump(label) / REQUESTS
        finally:
            conn.close()

    def stop(self) -> None:
        self.server.stop()


def _workmail_rows(scratch: Path, variant: str, extra_args: tuple[str, ...], wanted: Callable[[Case], bool],
                   bare: float, say: Say) -> list[dict[str, Any]]:
    name = "callgrind-" + ("enforce" if extra_args else "default")
    counter = Counter(lambda wrapper: servers.workmail_local(name, scratch, None, None, extra_args, wrapper=wrapper),
                      Path(tempfile.mkdtemp(dir=scratch, prefix=f"{name}-")))
    rows = []
    try:
        fx: Fixtures = {}
        for case in filter(wanted, WORKMAIL_CASES):
            say(f"instructions: {case.name} {variant}".rstrip())
            try:
                request = prepare(counter.server, case, fx)
            except Unavailable as exc:
                rows.append({"operation": case.name, "group": case.group, "variant": variant,
                             "status": exc.status, "reason": exc.reason})
                continue
            count = counter.per_request(request, case.name)
            rows.append({"operation": case.name, "group": case.group, "variant": variant, "status": "measured",
                         "instructions": round(count), "ratio": round(count / bare, 3)})
    finally:
        counter.stop()
    return rows


def run(scratch: Path, say: Say) -> dict[str, Any]:
    """The bare app's instructions per request, then every case's in memory (default log)
    and the reads' with ``--auth enforce``, each with its ratio to the bare app's."""
    reason = unavailable_reason()
    if reason is not None:
        return {"status": "not measured", "reason": reason}
    say("instructions: bare ASGI under callgrind")
    counter = Counter(lambda wrapper: servers.bare_app(scratch, wrapper=wrapper),
                      Path(tempfile.mkdtemp(dir=scratch, prefix="callgrind-bare-")))
    try:
        bare = counter.per_request(bare_request(counter.server), "bare")
    finally:
        counter.stop()
    rows = _workmail_rows(scratch, "", (), lambda case: True, bare, say)
    rows += _workmail_rows(scratch, report.ENFORCE_VARIANT, enforce_args(scratch),
                           lambda case: case.name in READ_NAMES, bare, say)
    return {"status": "measured", "requests": REQUESTS, "bare": round(bare), "rows": rows}
