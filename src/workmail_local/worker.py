"""One worker process of ``serve --workers N``: started by ``supervisor.py``, never by hand.

Its stdin brings a pickled :class:`~workmail_local.supervisor.WorkerSpec`, then ``go``;
it stays open for the worker's life, and its end-of-file means the parent is gone. The
worker opens the database its parent prepared (SQLite without claiming it, ``shared``:
``store/workers.py``; PostgreSQL as any process does), builds its own ``App``, writes
``B`` on its status pipe, waits for ``go``, then serves the inherited sockets: HTTP and,
when configured, SMTP submission (every worker accepts on the same listening sockets;
the kernel hands each connection to one of them). ``R`` on the status pipe: serving.

Everything a request may depend on is in the database, read in its transaction: the
directory, sessions, sign-in lockouts, tokens, the clock offset (read in every
transaction: another worker may have moved it), the page-token secret (one for all, made
at start-up); so a request may land on any worker, and a reset or a clock change made
through one is seen by the next request to any other. What stays per process is what
needs no agreement: request IDs (a random prefix each), the access log's lines (each
worker writes its own to the shared stderr), the slow-work threads, the export runner
(jobs are claimed with a lease, so one worker builds each).
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

import uvicorn

from workmail_local.supervisor import BUILT, GO, SERVING, UP, WorkerSpec

if TYPE_CHECKING:
    from workmail_local.app import App


class WorkerServer(uvicorn.Server):
    """uvicorn's server, reporting when it serves, and stopped only by SIGTERM or its
    parent's end (a terminal's Ctrl-C reaches the parent, which stops the workers)."""

    def __init__(self, config: uvicorn.Config, status: IO[bytes]) -> None:
        super().__init__(config)
        self._status = status

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            _say(self._status, SERVING)

    def handle_exit(self, sig: int, frame: Any) -> None:
        if sig == signal.SIGINT:
            return
        super().handle_exit(sig, frame)


def _say(status: IO[bytes], message: bytes) -> None:
    try:
        status.write(message)
    except OSError:
        pass  # the parent is gone: its end-of-file stops this worker


def _watch_parent(stdin: IO[bytes], app: App, server: uvicorn.Server) -> None:
    """Health says ok once the parent writes ``up``; serving stops once the parent is gone
    (its end of stdin closed)."""
    for line in iter(stdin.readline, b""):
        if line == UP:
            app.ready = True
    server.should_exit = True


def main() -> int:
    """Run one worker; its exit status (2: a start-up error, said in one line)."""
    # Before uvicorn takes SIGTERM over: SIGINT and SIGHUP are the parent's to act on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    stdin = sys.stdin.buffer
    spec: WorkerSpec = pickle.load(stdin)  # noqa: S301 - written by this worker's parent
    status = os.fdopen(spec.status_fd, "wb", buffering=0)
    settings = spec.settings

    from workmail_local import serving
    from workmail_local.app import App
    from workmail_local.store import open_store

    serving.configure_logging(settings, spec.index)
    try:
        app = App(settings, open_store(settings.resolved_data_dir, False, settings.database_url, worker=True))
    except serving.start_up_errors() as exc:
        print(f"workmail-local: worker {spec.index}: {exc}", file=sys.stderr)
        return 2
    app.mail_info.update(spec.mail_info)
    http = socket.socket(fileno=spec.http_fd)
    context = None
    if any(tls for _, tls in spec.mail_fds):
        from workmail_local.mail import tls as tls_files

        assert settings.tls_cert is not None and settings.tls_key is not None  # the parent's certificate
        context = tls_files.server_context(settings.tls_cert, settings.tls_key)
    mail = [(socket.socket(fileno=fd), context if tls else None) for fd, tls in spec.mail_fds]
    _say(status, BUILT)
    if stdin.readline() != GO:
        return 0  # the parent went away before every worker was built
    app.ready = False  # until every worker serves
    server = WorkerServer(serving.uvicorn_config(app, settings), status)
    threading.Thread(target=_watch_parent, args=(stdin, app, server), name="workmail-parent", daemon=True).start()
    serving.run(server, app, http, mail)
    return 0 if server.started else 1


if __name__ == "__main__":
    raise SystemExit(main())
