"""The load generator: wrk on its own core, replaying one request over keep-alive connections.

The request goes to wrk as a Lua script (method, headers, body); the script's ``done``
hook prints wrk's summary and latency percentiles as one JSON line, so nothing is
scraped from wrk's human-readable output.

A request whose body must differ every time (``Request.unique``: CreateUser needs a new
name) gets a Lua ``request()`` function instead of a fixed body: it puts a run token and
a counter where the template has ``UNIQUE`` and lets ``wrk.format`` set Content-Length.
The SigV4 signature stays the template's; the bench's servers run in ``--auth open``
mode, which parses signatures and does not verify them.
"""

from __future__ import annotations

import secrets
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from http_client import HOST, UNIQUE, Request
from servers import LOADGEN_CORE, pinned

RESULT_MARK = "WRK_RESULT "

DONE_HOOK = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d,'
    .. ' "write_errors": %d, "status_errors": %d, "timeouts": %d,'
    .. ' "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def lua_string(data: bytes) -> str:
    """A Lua string literal holding exactly ``data`` (3-digit escapes: never ambiguous)."""
    out = []
    for byte in data:
        char = chr(byte)
        if 0x20 <= byte < 0x7F and char not in '"\\':
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def lua_script(request: Request) -> str:
    """wrk's script for replaying ``request`` (a fresh body per request when it is ``unique``)."""
    lines = [
        f"wrk.method = {lua_string(request.method.encode())}",
        f"wrk.path = {lua_string(request.path.encode())}",
        "wrk.headers = {}",
    ]
    lines += [f"wrk.headers[{lua_string(k.encode())}] = {lua_string(v.encode())}" for k, v in request.headers
              if k.lower() != "content-length"]
    if request.unique:
        before, _, after = request.body.partition(UNIQUE.encode())
        lines += [
            f"local before, after = {lua_string(before)}, {lua_string(after)}",
            f'local run, n = "w{secrets.token_hex(4)}n", 0',
            "request = function()",
            "  n = n + 1",
            "  return wrk.format(nil, nil, nil, before .. run .. n .. after)",
            "end",
        ]
    else:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    return "\n".join(lines) + "\n" + DONE_HOOK


@dataclass(frozen=True)
class WrkResult:
    """One wrk run."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class WrkFailed(Exception):
    """wrk did not run, or printed no result."""


def run(port: int, request: Request, connections: int, seconds: float, core: int | None = LOADGEN_CORE) -> WrkResult:
    """Replay ``request`` for ``seconds`` over ``connections`` keep-alive connections (one wrk
    thread), wrk pinned to ``core`` (None: unpinned)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(request))
    try:
        proc = subprocess.run(
            [*pinned(core), "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s",
             "--latency", "--timeout", "10s", "-s", script.name, f"http://{HOST}:{port}{request.path}"],
            capture_output=True, text=True, timeout=seconds + 60,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            data = orjson.loads(line[len(RESULT_MARK):])
            break
    else:
        raise WrkFailed(f"wrk exited {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}")
    errors = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )
