"""Idle and half-sent connections are closed after ``--idle-timeout``, so idle sockets
cannot exhaust the server's descriptors and lock new clients out."""

from __future__ import annotations

import http.client
import os
import resource
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
IDLE_SOCKETS = 500
SERVER_DESCRIPTORS = 256  # the server's limit: fewer than the idle sockets


def _start(idle_timeout: str, nofile: int | None = None) -> tuple[subprocess.Popen[str], str, int]:
    limit = f"import resource; resource.setrlimit(resource.RLIMIT_NOFILE, ({nofile}, {nofile}))\n" if nofile else ""
    code = (f"{limit}import sys; from workmail_local.cli import main\n"
            f"sys.exit(main(['serve', '--in-memory', '--port', '0', '--log-level', 'warning',"
            f" '--idle-timeout', {idle_timeout!r}]))")
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on http://" in line, line
    host, port = line.rsplit("//", 1)[1].strip().split(":")
    deadline = time.monotonic() + 20  # the line comes just before the server listens
    while True:
        try:
            _health(host, int(port), timeout=5)
            return process, host, int(port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@pytest.fixture
def raised_limit() -> Iterator[None]:
    """This process opens the idle sockets: let it hold them all."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = IDLE_SOCKETS + 200
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {need}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _health(host: str, port: int, timeout: float) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/_workmail-local/health")
        return conn.getresponse().status
    finally:
        conn.close()


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BlockingIOError):
        return True


def test_new_clients_are_answered_while_500_idle_sockets_are_open(raised_limit: None) -> None:
    process, host, port = _start("1", nofile=SERVER_DESCRIPTORS)
    idle: list[socket.socket] = []
    try:
        for i in range(IDLE_SOCKETS):
            sock = socket.create_connection((host, port), timeout=10)
            if i % 2:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le")  # half a request, then silence
            idle.append(sock)
        # More idle sockets than the server has descriptors: without the timeout it could
        # accept no one else, ever. With it, a new client is answered within a few timeouts.
        deadline = time.monotonic() + 30
        status = None
        while status is None and time.monotonic() < deadline:
            try:
                status = _health(host, port, timeout=3)
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        assert status == 200
        # And every idle socket was closed by the server.
        deadline = time.monotonic() + 30
        open_ = set(idle)
        while open_ and time.monotonic() < deadline:
            readable, _, _ = select.select(list(open_)[:256], [], [], 1)
            open_ -= {s for s in readable if _closed_by_server(s)}
        assert not open_, f"{len(open_)} idle sockets are still open"
    finally:
        for sock in idle:
            sock.close()
        process.terminate()
        process.wait(10)


def test_a_silent_or_half_sent_connection_is_closed_and_a_busy_one_is_not() -> None:
    process, host, port = _start("0.5")
    try:
        silent = socket.create_connection((host, port), timeout=10)
        half_line = socket.create_connection((host, port), timeout=10)
        half_line.sendall(b"GET /_workmail-loc")
        half_body = socket.create_connection((host, port), timeout=10)
        half_body.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        for sock in (silent, half_line, half_body):
            assert _closed_by_server(sock)  # within the socket's 10 s timeout
        # A keep-alive connection serves request after request, as long as each comes in time.
        conn = http.client.HTTPConnection(host, port, timeout=10)
        for _ in range(3):
            conn.request("GET", "/_workmail-local/health")
            assert conn.getresponse().read()
        conn.close()
    finally:
        process.terminate()
        process.wait(10)
