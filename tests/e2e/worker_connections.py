"""Connections to a ``serve --workers N`` server, each known to be answered by one worker.

Nothing on the wire says which worker answered (and nothing should), so the kernel is
asked: a connection's server-side socket is found in ``/proc/net/tcp{,6}`` by its two
ports, and its inode among the open descriptors of each worker (``/proc/<pid>/fd``).
Linux only; the tests using this skip elsewhere.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workmail_local.testing import LocalServer

AUTH = ("AWS4-HMAC-SHA256 Credential={account}/20260101/us-east-1/workmail/aws4_request, "
        "SignedHeaders=host, Signature=0")


def workers_of(server: LocalServer) -> list[int]:
    """The worker processes of a running server: its children."""
    assert server.process is not None
    parent = server.process.pid
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _server_inode(server_port: int, client_port: int) -> int | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], int(fields[9])
            if int(local.rsplit(":", 1)[1], 16) == server_port and int(remote.rsplit(":", 1)[1], 16) == client_port:
                return inode or None
    return None


def owner(conn: Any, server_port: int, workers: list[int]) -> int:
    """The worker holding the server side of a connection it has answered on."""
    inode = _server_inode(server_port, conn.sock.getsockname()[1])
    assert inode is not None, "the connection's server side is not in /proc/net/tcp"
    for pid in workers:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker holds socket {inode}")


class Pool:
    """Open keep-alive connections until every worker has answered at least ``each`` of them."""

    def __init__(self, server: LocalServer, each: int = 1, limit: int = 400) -> None:
        parts = urlsplit(server.url)
        self.host, self.port = parts.hostname, parts.port
        self.workers = workers_of(server)
        self.by_worker: dict[int, list[http.client.HTTPConnection]] = {pid: [] for pid in self.workers}
        for _ in range(limit):
            if all(len(conns) >= each for conns in self.by_worker.values()):
                return
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            status, _ = control(conn, "GET", "/health")
            assert status == 200
            pid = owner(conn, self.port, self.workers)
            if len(self.by_worker[pid]) < each:
                self.by_worker[pid].append(conn)
            else:
                conn.close()
            time.sleep(0.002)  # let another worker's accept win the next one
        raise AssertionError(f"{limit} connections did not reach every worker: {self.by_worker}")

    def first(self) -> list[http.client.HTTPConnection]:
        """One connection per worker, in the workers' order."""
        return [self.by_worker[pid][0] for pid in self.workers]

    def all(self) -> list[http.client.HTTPConnection]:
        return [conn for conns in self.by_worker.values() for conn in conns]

    def close(self) -> None:
        for conn in self.all():
            conn.close()


def _answer(response: http.client.HTTPResponse) -> tuple[int, dict[str, Any]]:
    payload = response.read()
    return response.status, json.loads(payload) if payload else {}


def control(conn: http.client.HTTPConnection, method: str, path: str,
            body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """A control API call on this connection (kept open), in the default test account."""
    data = b"" if body is None else json.dumps(body).encode()
    conn.request(method, "/_workmail-local" + path, body=data,
                 headers={"Content-Type": "application/json", "Authorization": AUTH.format(account="123456789012")})
    return _answer(conn.getresponse())


def aws(conn: http.client.HTTPConnection, operation: str, body: dict[str, Any],
        account: str = "123456789012") -> tuple[int, dict[str, Any]]:
    """A WorkMail operation on this connection: ``(status, answer)``."""
    conn.request("POST", "/", body=json.dumps(body).encode(), headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"WorkMailService.{operation}",
        "Authorization": AUTH.format(account=account)})
    return _answer(conn.getresponse())


def ok(conn: http.client.HTTPConnection, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """A WorkMail operation that must succeed: its answer."""
    status, answer = aws(conn, operation, body)
    assert status == 200, (operation, status, answer)
    return answer


def race(conns: list[http.client.HTTPConnection], operation: str,
         bodies: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """One request on each connection at the same moment: ``(status, error code or "")`` each.

    The headers go first and only the bodies after a barrier, so that the requests reach
    their workers together."""
    barrier = threading.Barrier(len(conns))
    results: list[tuple[int, str]] = [(0, "no answer")] * len(conns)

    def run(i: int) -> None:
        payload = json.dumps(bodies[i]).encode()
        conn = conns[i]
        conn.putrequest("POST", "/")
        for name, value in {"Content-Type": "application/x-amz-json-1.1",
                            "X-Amz-Target": f"WorkMailService.{operation}",
                            "Authorization": AUTH.format(account="123456789012"),
                            "Content-Length": str(len(payload))}.items():
            conn.putheader(name, value)
        barrier.wait()
        conn.endheaders(payload)
        status, answer = _answer(conn.getresponse())
        results[i] = (status, answer.get("__type", ""))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(conns))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
