"""``serve --workers N``: a parent process and N worker processes answering on one port.

The parent

1. does the start-up that must happen once (:func:`prepare`): reads the credentials
   file, claims (SQLite) and migrates the database, makes the secrets key file, records
   the emulator's state in ``meta`` (page-token secret, login-history setting), seals
   secrets stored in clear, and drops the export-job claims of a dead server; then it
   closes its connection but keeps the claim;
2. binds the HTTP socket and the SMTP sockets (making the TLS certificate, once) and
   prints the start-up lines, as one process does;
3. starts N workers (``python -m workmail_local.worker``) that inherit those sockets and
   the claim's descriptor. Each builds its own ``App`` on the database, reports ``B``
   (built) on its status pipe, and starts serving when the parent writes ``go`` — which
   it does once all N are built, so the port accepts connections only when every worker
   is about to. Health answers 503 ``starting`` until all N have reported ``R``
   (serving) and the parent has written ``up`` to each; then 200 ``ok``;
4. watches. A worker that ends on its own is a fault: the parent stops the others and
   exits non-zero with one line naming it. No restart: a test run fails loudly rather
   than carrying on one process short, or hiding a crash. SIGTERM, SIGINT or SIGHUP
   stops every worker (SIGTERM; SIGKILL after :data:`STOP_SECONDS`), then the parent
   ends by that signal, as one process does.

Workers ignore SIGINT and SIGHUP (a terminal sends them to the whole process group):
their parent stops them. A worker whose parent dies sees its stdin reach end-of-file and
stops; until the last has, the inherited claim keeps a second server off the data
directory.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import secrets
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workmail_local import serving
from workmail_local.config import Settings

log = logging.getLogger("workmail_local.workers")

#: How long stopping workers may take (they finish the requests they are answering).
STOP_SECONDS = 20.0
#: What a worker writes on its status pipe: built (ready for "go"), serving.
BUILT, SERVING = b"B", b"R"
#: What the parent writes on a worker's stdin: serve now; every worker serves (health: ok).
GO, UP = b"go\n", b"up\n"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker is told on its stdin (pickled): who it is, the settings, and the
    descriptors it inherited (the same numbers as in the parent)."""

    index: int
    count: int
    settings: Settings
    mail_info: dict[str, Any]
    http_fd: int
    mail_fds: tuple[tuple[int, bool], ...]  # (descriptor, implicit TLS?)
    status_fd: int


def prepare(settings: Settings) -> tuple[str, IO[str] | None]:
    """The once-only start-up (see the module docstring): where the data is, for the
    start-up line, and the claim on the database (``None`` for PostgreSQL)."""
    from workmail_local.app import load_keys, load_state
    from workmail_local.jobs.export import drop_claims
    from workmail_local.sealed import box_for
    from workmail_local.store import Tx, open_store

    load_keys(settings)  # a bad credentials file stops start-up before any file is written
    store = open_store(settings.resolved_data_dir, settings.in_memory, settings.database_url)
    try:
        box = box_for(settings)

        def start(tx: Tx) -> None:
            load_state(tx, settings, box, secrets.token_hex(32))
            box.seal_clear_secrets(tx)
            if not store.shared:  # this process owns the file: no earlier server is alive
                drop_claims(tx)

        store.run(start)
    except BaseException:
        store.close()
        raise
    return store.location, store.close_keeping_claim()


def serve_workers(settings: Settings) -> int:
    """``serve`` with ``settings.workers`` worker processes, until stopped; the exit status."""
    # What the parent prepared: where the data is, the claim it holds, and what the mail
    # sockets note for GET /_workmail-local/mail (handed to every worker).
    started = serving.start(settings, lambda: (*prepare(settings), {}), lambda done: done[0], lambda done: done[2])
    if started is None:
        return 2
    (_, claim, info), sock, mail = started
    if "TlsCertificate" in info:  # made once, here: every worker serves the same certificate
        settings = dataclasses.replace(settings, tls_cert=Path(info["TlsCertificate"]), tls_key=Path(info["TlsKey"]))
    inherited = [sock.fileno(), *(mail_sock.fileno() for mail_sock, _ in mail)]
    if claim is not None:  # held here (and by each worker) until the last of them has ended
        inherited.append(claim.fileno())
    specs = [WorkerSpec(i, settings.workers, settings, info, sock.fileno(),
                        tuple((mail_sock.fileno(), context is not None) for mail_sock, context in mail), -1)
             for i in range(1, settings.workers + 1)]
    return Supervisor(specs, inherited).run()


class _Worker:
    """One worker process, as its parent sees it."""

    def __init__(self, spec: WorkerSpec, inherited: list[int]) -> None:
        read, write = os.pipe()
        self.spec = dataclasses.replace(spec, status_fd=write)
        self.status = read
        self.said = b""
        self.process = subprocess.Popen([sys.executable, "-m", "workmail_local.worker"], stdin=subprocess.PIPE,
                                        pass_fds=(*inherited, write))
        os.close(write)  # the worker holds the only write end: end-of-file when it ends
        self.tell(pickle.dumps(self.spec))

    def tell(self, data: bytes) -> None:
        """Write to the worker's stdin (a worker that is gone is noticed by its status pipe)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except OSError:
            pass

    def describe(self) -> str:
        return f"worker {self.spec.index} of {self.spec.count} (pid {self.process.pid})"


class Supervisor:
    """Starts the workers, waits for a stop signal or a worker's end, stops them all."""

    def __init__(self, specs: list[WorkerSpec], inherited: list[int]) -> None:
        self.specs, self.inherited = specs, inherited
        self.workers: list[_Worker] = []
        self.stop_signal: int | None = None

    def run(self) -> int:
        """The parent's life from the workers' start to their end; the exit status."""
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        # The handlers do nothing: a signal's number arrives on the wake-up pipe.
        previous = {sig: signal.signal(sig, lambda *_: None) for sig in STOP_SIGNALS}
        previous_wakeup = signal.set_wakeup_fd(wake_write)
        try:
            for spec in self.specs:
                self.workers.append(_Worker(spec, self.inherited))
            status = self._watch(wake_read)
        finally:
            self._stop_all()
            signal.set_wakeup_fd(previous_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(wake_read)
            os.close(wake_write)
        if self.stop_signal is not None:
            # End as the signal asked, like one process does (uvicorn raises it again).
            sys.stdout.flush()
            sys.stderr.flush()
            signal.signal(self.stop_signal, signal.SIG_DFL)
            os.kill(os.getpid(), self.stop_signal)
        return status

    def _signalled(self, wake_read: int) -> bool:
        """Whether a stop signal has arrived (its number is on the wake-up pipe)."""
        try:
            for number in os.read(wake_read, 64):
                if number in STOP_SIGNALS:
                    self.stop_signal = number
        except BlockingIOError:
            pass
        return self.stop_signal is not None

    def _watch(self, wake_read: int) -> int:
        selector = selectors.DefaultSelector()
        selector.register(wake_read, selectors.EVENT_READ)
        for worker in self.workers:
            selector.register(worker.status, selectors.EVENT_READ, worker)
        started = serving_logged = False
        try:
            while True:
                for key, _ in selector.select():
                    if self._signalled(wake_read):
                        return 0
                    if key.data is None:
                        continue
                    worker: _Worker = key.data
                    said = os.read(worker.status, 64)
                    if not said:
                        return self._ended(worker)
                    worker.said += said
                if not started and all(BUILT in w.said for w in self.workers):
                    for w in self.workers:
                        w.tell(GO)
                    started = True
                if not serving_logged and all(SERVING in w.said for w in self.workers):
                    log.info("%d worker processes serving: pids %s", len(self.workers),
                             ", ".join(str(w.process.pid) for w in self.workers))
                    for w in self.workers:
                        w.tell(UP)
                    serving_logged = True
        finally:
            selector.close()

    def _ended(self, worker: _Worker) -> int:
        """A worker ended on its own: say so; the exit status (the worker's, else 1)."""
        code = worker.process.wait()
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with status {code}"
        when = " while starting" if SERVING not in worker.said else ""
        print(f"workmail-local: {worker.describe()} {how}{when}; the other workers were stopped", file=sys.stderr,
              flush=True)
        return code if code > 0 else 1

    def _stop_all(self) -> None:
        """Stop every worker still running (SIGTERM, then SIGKILL) and wait for all of them."""
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for worker in self.workers:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0f s: killed", worker.describe(), STOP_SECONDS)
                worker.process.kill()
                worker.process.wait()
            try:
                if worker.process.stdin is not None:
                    worker.process.stdin.close()
            except OSError:
                pass  # what was left unwritten has nobody to read it
            os.close(worker.status)
        self.workers = []
