"""Mixed load: reads, writes and PAT logins at once, each kind's own latency — and the same
with password logins (argon2) running beside them.

wrk replays one request, and its Lua hooks see no per-request time (``response()`` gets
status, headers and body; Lua has no wall clock without extra modules), so per-kind
latency needs a load generator of our own: asyncio over raw keep-alive connections
(uvloop when installed), in the driver's process on the load generator's core, each
request timed with ``time.perf_counter_ns`` from just before it is written until its
answer is read. It is closed-loop: every connection sends its next request when the
last is answered, picking its kind by weight (seeded, so both runs see the same
sequence of picks). A Python client at 32 connections may be the bottleneck itself:
the achieved rate and the generator's own CPU use (share of its core) are reported,
and both runs use the same generator, which is what the comparison of p99s needs.
Server CPU per request is over the whole run, warm-up included, all kinds together.

Run 1: 32 connections, 80 % reads (one of the seven read cases, at random), 15 %
writes (CreateUser with a new name, PutIdentityProviderConfiguration), 5 % PAT logins.
Run 2: the same 32 connections and mix, plus :data:`LOGIN_CONNECTIONS` more connections
logging in back to back with a directory password. The target: every kind's p99 in
run 2 stays within ``report.MIXED_P99_LIMIT`` × its p99 in run 1. One SQLite server with
the default log, pinned to the server core as everywhere else, serves both runs.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

import servers
from cases import PASSWORD_LOGIN, PAT_LOGIN, READS, WRITES, Case, Fixtures, Unavailable, prepare
from http_client import HOST, Request
from sections import start_workmail

CONNECTIONS = 32
LOGIN_CONNECTIONS = 2
MIX: list[tuple[str, int, list[Case]]] = [("read", 80, READS), ("write", 15, WRITES), ("PAT login", 5, [PAT_LOGIN])]
PASSWORD_KIND = "password login"
WARMUP_SECONDS = 0.5
BASELINE = f"mix {'/'.join(str(w) for _, w, _ in MIX)}, {CONNECTIONS} connections"
WITH_ARGON2 = f"the same + {LOGIN_CONNECTIONS} connections of password logins"


@dataclass
class Kind:
    """What one kind of request saw in one run."""

    latencies_ns: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warmup: int = 0  # answered during the warm-up, not timed

    def summary(self, seconds: float) -> dict[str, Any]:
        ordered = sorted(self.latencies_ns)

        def quantile(q: float) -> float:
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6 if ordered else 0.0

        return {"requests": len(ordered), "rps": round(len(ordered) / seconds, 1), "p50_ms": round(quantile(0.5), 3),
                "p99_ms": round(quantile(0.99), 3), "errors": len(self.errors), "first_error": self.errors[:1]}


def render(request: Request) -> bytes:
    """The request's bytes on the wire (a fresh body where it has a unique token)."""
    body = request.fresh_body()
    head = f"{request.method} {request.path} HTTP/1.1\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in request.headers if k.lower() != "content-length")
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one response (Content-Length framed, as the server answers)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status, length = int(head[9:12]), 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked answers are not expected from the server")
    return status, await reader.readexactly(length) if length else b""


def ok(kind: str, status: int, body: bytes) -> bool:
    if status != 200:
        return False
    return "login" not in kind or orjson.loads(body).get("Authenticated") is True


async def connection(port: int, pick: Callable[[], tuple[str, Request]], record_from: int, until: int,
                     kinds: dict[str, Kind]) -> None:
    """One keep-alive connection sending what ``pick`` says until ``until`` (perf_counter_ns)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while (started := time.perf_counter_ns()) < until:
            kind, request = pick()
            writer.write(render(request))
            status, body = await answer(reader)
            done = time.perf_counter_ns()
            if started < record_from:
                kinds[kind].warmup += 1
            else:
                if ok(kind, status, body):
                    kinds[kind].latencies_ns.append(done - started)
                else:
                    kinds[kind].errors.append(f"{status} {body[:200]!r}")
    finally:
        writer.close()


def mix_picker(requests: dict[str, list[Request]], seed: int) -> Callable[[], tuple[str, Request]]:
    """Picks a kind by weight, then one of its requests, from its own seeded generator."""
    rng = random.Random(seed)
    names, weights = [k for k, _, _ in MIX], [w for _, w, _ in MIX]

    def pick() -> tuple[str, Request]:
        kind = rng.choices(names, weights)[0]
        return kind, rng.choice(requests[kind])
    return pick


async def drive(port: int, requests: dict[str, list[Request]], seconds: float, password: Request | None) -> \
        dict[str, Kind]:
    start = time.perf_counter_ns()
    record_from, until = start + int(WARMUP_SECONDS * 1e9), start + int((WARMUP_SECONDS + seconds) * 1e9)
    kinds = {name: Kind() for name, _, _ in MIX}
    tasks = [connection(port, mix_picker(requests, seed), record_from, until, kinds) for seed in range(CONNECTIONS)]
    if password is not None:
        kinds[PASSWORD_KIND] = Kind()
        tasks += [connection(port, lambda: (PASSWORD_KIND, password), record_from, until, kinds)
                  for _ in range(LOGIN_CONNECTIONS)]
    await asyncio.gather(*tasks)
    return kinds


def event_loop() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def one_run(server: servers.Server, requests: dict[str, list[Request]], seconds: float,
            password: Request | None) -> dict[str, Any]:
    """One timed run: each kind's figures, and the server's CPU per request over all of them."""
    cpu_before, client_before, wall_before = server.cpu_seconds(), time.process_time(), time.monotonic()
    with asyncio.Runner(loop_factory=event_loop()) as runner:
        kinds = runner.run(drive(server.port, requests, seconds, password))
    cpu = server.cpu_seconds() - cpu_before
    # Near 100 %: the generator, not the server, sets the pace.
    client_busy = (time.process_time() - client_before) / (time.monotonic() - wall_before)
    server.check_alive()
    timed = sum(len(k.latencies_ns) + len(k.errors) for k in kinds.values())
    answered = timed + sum(k.warmup for k in kinds.values())
    return {"kinds": {name: kind.summary(seconds) for name, kind in kinds.items()}, "seconds": seconds,
            "rps": round(timed / seconds, 1), "cpu_us": round(cpu / answered * 1e6, 1) if answered else 0.0,
            "client_busy": round(client_busy, 2)}


def run(scratch: Path, seconds: float, say: Callable[[str], None]) -> dict[str, Any]:
    """Both runs on one SQLite server: ``{"runs": {label: figures}}``, or why they could not run."""
    server = start_workmail("workmail-mixed", "SQLite", scratch)
    try:
        fx: Fixtures = {}
        try:
            requests = {kind: [prepare(server, case, fx) for case in cases] for kind, _, cases in MIX}
            password = prepare(server, PASSWORD_LOGIN, fx, warmup=2)
        except Unavailable as exc:
            return {"status": exc.status, "reason": exc.reason, "runs": {}}
        runs = {}
        for label, logins in ((BASELINE, None), (WITH_ARGON2, password)):
            say(f"mixed load: {label}, {seconds:g} s")
            runs[label] = one_run(server, requests, seconds, logins)
        return {"status": "measured", "runs": runs, "connections": CONNECTIONS, "store": "SQLite"}
    finally:
        server.stop()
