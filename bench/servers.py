"""The servers under test: launched pinned to one core, watched through /proc, stopped by PID.

Every server runs as a direct child (``taskset`` execs into it, so the child's PID is the
server's), listens on loopback only, and logs into the run's scratch directory. Its CPU
time is that of its process tree (a server with worker processes is several), and a
server on PostgreSQL carries the cluster, whose CPU is read beside it. WorkMail Local
runs from this checkout's ``src`` (PYTHONPATH), whatever the venv has installed.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import procfs

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
MOTO_SERVER = ROOT / "bench" / ".venv-moto" / "bin" / "moto_server"
BARE_APP = ROOT / "bench" / "bare_app.py"
HOST = "127.0.0.1"
SERVER_CORE = 0
LOADGEN_CORE = 1
HEALTH_PATH = "/_workmail-local/health"
SOURCE = ROOT / "src"

# Every server this process started and has not stopped yet (stopped on exit, whatever happens).
running: list[Server] = []


class ServerFailed(Exception):
    """A server exited or never answered."""


class UnknownOption(ServerFailed):
    """The server refused a command-line option: this build does not have it yet."""


class Database(Protocol):
    """Something whose CPU time is read beside the server's (the PostgreSQL cluster)."""

    def cpu_seconds(self) -> float: ...


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running server process."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    ready_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    database: Database | None = None  # its PostgreSQL cluster, when it has one

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server's processes (all threads, worker processes
        included, live or ended)."""
        try:
            return procfs.tree_cpu_seconds(self.pid)
        except ProcessLookupError:
            raise ServerFailed(f"{self.name} is gone:\n{self.log_tail()}") from None

    def rss_bytes(self) -> int:
        """Resident memory (VmRSS) of the main process."""
        try:
            return procfs.rss_bytes(self.pid)
        except (OSError, ProcessLookupError) as exc:
            raise ServerFailed(f"{self.name}: {exc}") from None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServerFailed(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; this PID only."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self in running:
            running.remove(self)


def stop_all() -> None:
    """Stop every server still running (called on the way out, also after errors)."""
    for server in list(running):
        server.stop()


def _answers(port: int, path: str, want_ok: bool) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path)
        status = conn.getresponse().status
    except OSError:
        return False
    finally:
        conn.close()
    return status == 200 if want_ok else status < 500


def pinned(core: int | None) -> list[str]:
    """The ``taskset`` prefix running a program on ``core``, or on every core for None (the
    driver runs pinned to the load generator's core, and children inherit that)."""
    cores = str(core) if core is not None else f"0-{(os.cpu_count() or 1) - 1}"
    return ["taskset", "-c", cores]


def source_env() -> dict[str, str]:
    """The environment that makes ``python -m workmail_local`` import this checkout's code."""
    path = os.environ.get("PYTHONPATH")
    # Bytecode is cached as an installed copy caches it (some shells set PYTHONDONTWRITEBYTECODE,
    # which would make every launch compile every module again).
    return {"PYTHONPATH": f"{SOURCE}{os.pathsep}{path}" if path else str(SOURCE), "PYTHONDONTWRITEBYTECODE": ""}


def launch(name: str, argv: list[str], port: int, log_dir: Path, ready_path: str = HEALTH_PATH,
           want_ok: bool = True, timeout: float | None = None, env: dict[str, str] | None = None,
           core: int | None = SERVER_CORE, wrapper: tuple[str, ...] = ()) -> Server:
    """Start ``argv`` on ``core`` (None: unpinned) and wait until ``ready_path`` answers.

    ``wrapper`` runs the server under another program (``valgrind …``: bench/instructions.py).
    ``timeout``: seconds to wait for the answer (default 60, or 300 under a wrapper).
    ``ready_seconds`` is the time from launch to the first answer (200, or any answer
    below 500 when ``want_ok`` is false). A server that exits complaining of an
    unrecognized argument raises :class:`UnknownOption`.
    """
    timeout = timeout if timeout is not None else 300.0 if wrapper else 60.0
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [*pinned(core), *wrapper, *argv],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
    server = Server(name, process, port, log_path)
    running.append(server)
    while not _answers(port, ready_path, want_ok):
        if process.poll() is not None or time.monotonic() - started > timeout:
            server.stop()
            tail = server.log_tail()
            if process.returncode == 2 and "unrecognized arguments" in tail:
                raise UnknownOption(f"{name}: {tail.splitlines()[-1]}")
            raise ServerFailed(f"{name} did not come up on port {port}:\n{tail}")
        time.sleep(0.002)
    server.ready_seconds = time.monotonic() - started
    return server


def workmail_local(name: str, log_dir: Path, data_dir: Path | None, log_level: str | None = "warning",
                   extra_args: tuple[str, ...] = (), database_url: str | None = None,
                   core: int | None = SERVER_CORE, wrapper: tuple[str, ...] = ()) -> Server:
    """WorkMail Local in memory (``data_dir`` None), on SQLite in ``data_dir``, or on
    PostgreSQL at ``database_url``; ``log_level`` None keeps the default (one log line
    per request, here into the server's log file)."""
    port = free_port()
    argv = [str(PROJECT_PYTHON), "-m", "workmail_local", "serve", "--host", HOST, "--port", str(port)]
    if database_url is not None:
        argv += ["--database-url", database_url]
    else:
        argv += ["--in-memory"] if data_dir is None else ["--data-dir", str(data_dir)]
    if log_level is not None:
        argv += ["--log-level", log_level]
    return launch(name, [*argv, *extra_args], port, log_dir, env=source_env(), core=core, wrapper=wrapper)


def bare_app(log_dir: Path, wrapper: tuple[str, ...] = ()) -> Server:
    """The limit: bench/bare_app.py under the same HTTP stack."""
    port = free_port()
    return launch("bare", [str(PROJECT_PYTHON), str(BARE_APP), "--host", HOST, "--port", str(port)],
                  port, log_dir, ready_path="/", wrapper=wrapper)


def moto(log_dir: Path) -> Server:
    """moto's server, from its own environment."""
    port = free_port()
    return launch("moto", [str(MOTO_SERVER), "-H", HOST, "-p", str(port)], port, log_dir,
                  ready_path="/moto-api/", want_ok=False)
