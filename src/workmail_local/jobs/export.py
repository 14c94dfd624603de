"""The mailbox export runner: a worker thread, started from the app's lifespan, that
moves every RUNNING export job to its end, off the request loop.

Each pass (every :data:`POLL_SECONDS`, or at once when woken) reads the RUNNING jobs.
A job's progress rises with the real time since it started over ``--export-job-seconds``
(the setting of the process running it, so a server restarted with another value uses
that one); when that time is up the runner claims the job, builds the archive from the
mail store and writes it (``jobs.s3``) outside any transaction, then marks the job
COMPLETED (progress 100) or FAILED with the reason. Nothing is written to S3 before the
end, so a job cancelled while it runs leaves no object (a job cancelled while its upload
is under way ends CANCELLED with the object written: "near completion it might not be
possible to cancel").

Restarts: a job that was RUNNING when the server stopped is resumed by the next server
(its archive is built again from the start). With SQLite one server owns the database,
so start-up drops the claims of the dead process (:func:`drop_claims`; under ``serve
--workers`` the parent does, before its workers start); with a shared store (PostgreSQL,
the workers of one server) a claim is a lease of :data:`LEASE_SECONDS` that another
process may take over once it has run out. Every process's runner looks at the jobs, but
the claim is one conditional UPDATE, so exactly one of them builds and ends each job.

The log shows one line when a job starts, at 25/50/75 % when it takes a while, and one
when it ends, with where the archive went (a cancellation is logged by the request).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from workmail_local.config import Settings
from workmail_local.jobs import archive, s3
from workmail_local.mail import mailstore
from workmail_local.store import Row, Store, Tx

log = logging.getLogger("workmail_local.jobs")

POLL_SECONDS = 0.2
# With no job running, the runner sleeps until a StartMailboxExportJob wakes it (or this
# long: jobs another process started on a shared PostgreSQL database, lost wake-ups).
IDLE_POLL_SECONDS = 5.0
# One wake-up for every runner of the process: a new job (wake_runners) or a stop.
_WAKE = threading.Event()


def wake_runners() -> None:
    """A job was started: the runners look at once rather than at their next idle poll.

    Called inside the starting request's transaction; the runner's read waits for the
    store's lock, so it sees the committed job."""
    _WAKE.set()
LEASE_SECONDS = 300.0
PROGRESS_MARKS = (25, 50, 75)

def drop_claims(tx: Tx) -> None:
    """Forget which process was building each RUNNING job: called at start-up by the one
    process that owns the database (SQLite's claim), when no earlier process can be alive."""
    tx.execute("UPDATE mailbox_export_jobs SET worker = NULL, lease_until = NULL WHERE state = 'RUNNING'")


_RUNNING = ("SELECT j.*, o.region FROM mailbox_export_jobs j JOIN organizations o ON o.id = j.organization_id"
            " WHERE j.state = 'RUNNING' ORDER BY j.real_started_at, j.id")


class ExportRunner:
    """The worker thread of one server process."""

    def __init__(self, store: Store, settings: Settings, now: Callable[[Tx], float]) -> None:
        self.store, self.settings, self.now = store, settings, now
        self.objects = s3.store_for(settings)
        self.worker = uuid.uuid4().hex
        self._wake = _WAKE
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._announced: set[str] = set()

    def start(self) -> None:
        """Start the thread (idempotent); a previous process's claims are dropped (SQLite)."""
        if self._thread is not None:
            return
        if not self.store.shared:
            self.store.run(drop_claims)
        log.info("mailbox export archives go to %s", self.objects)
        self._thread = threading.Thread(target=self._loop, name="workmail-export", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (a job half done is resumed at the next start)."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self._thread = None

    def wake(self) -> None:
        """Look at the jobs now rather than at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = True
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - the runner must outlive one bad pass
                log.exception("mailbox export runner pass failed")
            # Polled only while jobs run (their progress follows real time); idle, no query.
            self._wake.wait(POLL_SECONDS if busy else IDLE_POLL_SECONDS)
            self._wake.clear()

    def run_once(self) -> bool:
        """One pass over the RUNNING jobs; whether there were any."""
        jobs = self.store.run(lambda tx: tx.all(_RUNNING))
        running = {job["id"] for job in jobs}
        self._announced &= running  # cancellations are logged by the request that cancels
        for job in jobs:
            if self._stop.is_set():
                return True
            self._advance(job)
        return bool(jobs)

    def _advance(self, job: Row) -> None:
        if job["id"] not in self._announced:
            self._announced.add(job["id"])
            log.info("export job %s started: mailbox %s of %s -> s3://%s/%s (%s)", job["id"], job["entity_id"],
                     job["organization_id"], job["s3_bucket"], job["s3_path"], self.objects)
        seconds = self.settings.export_job_seconds
        elapsed = time.time() - job["real_started_at"]
        if elapsed < seconds:
            progress = min(99, int(elapsed / seconds * 100))
            # Never backwards: another process's runner may have written a later reading.
            if progress > job["progress"] and self.store.run(lambda tx: tx.execute(
                    "UPDATE mailbox_export_jobs SET progress = ? WHERE id = ? AND state = 'RUNNING' AND progress < ?",
                    (progress, job["id"], progress)), durable=False):
                for mark in PROGRESS_MARKS:
                    if job["progress"] < mark <= progress:
                        log.info("export job %s: %d%%", job["id"], mark)
            return
        if self._claim(job["id"]):
            self._finish(job)

    def _claim(self, job_id: str) -> bool:
        real = time.time()
        return self.store.run(lambda tx: tx.execute(
            "UPDATE mailbox_export_jobs SET worker = ?, lease_until = ? WHERE id = ? AND state = 'RUNNING'"
            " AND (worker IS NULL OR worker = ? OR lease_until < ?)",
            (self.worker, real + LEASE_SECONDS, job_id, self.worker, real))) == 1

    def _finish(self, job: Row) -> None:
        began = time.perf_counter()
        state, error, where, built, ended = "COMPLETED", None, "", None, None
        try:
            built = archive.build(mailstore.maildir_of(self.settings, job["entity_id"]))
            ended = self.store.run(self.now)
            where = self.objects.put(job["region"], job["s3_bucket"], job["s3_path"], built.data)
            self.objects.put(job["region"], job["s3_bucket"], job["s3_path"] + ".json",
                             built.output_log(job["started_at"], ended))
        except s3.UploadError as exc:
            state, error = "FAILED", str(exc)
        except OSError as exc:
            state, error = "FAILED", f"Could not read the mailbox from the mail store: {exc.strerror or exc}"
        except Exception as exc:  # noqa: BLE001 - a job that cannot be exported fails; it is not retried forever
            log.exception("export job %s failed", job["id"])
            state, error = "FAILED", f"The export failed: {type(exc).__name__}: {exc}"
        changed = self.store.run(lambda tx: self._end(tx, job["id"], state, error, ended))
        self._announced.discard(job["id"])
        took = time.perf_counter() - began
        if not changed:
            log.info("export job %s CANCELLED while its archive was written%s", job["id"],
                     f" (written to {where})" if where else "")
        elif state == "COMPLETED" and built is not None:
            log.info("export job %s COMPLETED in %.2fs: %d messages in %d folders, %d bytes -> %s", job["id"], took,
                     built.messages, built.folders, built.message_bytes, where)
        else:
            log.info("export job %s FAILED: %s", job["id"], error)

    def _end(self, tx: Tx, job_id: str, state: str, error: str | None, ended: float | None) -> bool:
        """Record the job's end, unless it is no longer RUNNING (cancelled, or its organization deleted)."""
        values: dict[str, Any] = {"state": state, "error_info": error[:1024] if error else None,  # ErrorInfo's max
                                  "ended_at": ended if ended is not None else self.now(tx)}
        if state == "COMPLETED":
            values["progress"] = 100
        assignments = ", ".join(f"{column} = ?" for column in values)
        return tx.execute(f"UPDATE mailbox_export_jobs SET {assignments}, worker = NULL, lease_until = NULL"  # noqa: S608
                          " WHERE id = ? AND state = 'RUNNING'", (*values.values(), job_id)) == 1
