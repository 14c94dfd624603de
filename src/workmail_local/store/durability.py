"""When a commit reaches the disk: SQLite's ``synchronous`` mode, and group commit.

A durable SQLite commit is on disk before its response is sent. Outside a request (start-up,
migrations, the export runner's thread) that is SQLite's own ``synchronous=FULL``: the
commit waits for an fsync of the write-ahead log. A request served on the event loop
commits with ``synchronous=NORMAL`` instead (the log is written, not yet synced) and its
response waits for :meth:`GroupCommit.wait`: one fsync of the log, made once the loop has
run every request that was ready, covers all their commits. With 32 clients writing at
once, one fsync serves each turn of the loop's writes instead of one each (group commit,
as databases do it).

Nothing acknowledged is less durable than before: a response, read or write, is not sent
while any commit of the loop is unsynced (a read that saw a write must not be answered
before that write is on disk, or a power loss could take back what a client was shown).
A process that crashes loses nothing either way; what waits is only the answer to a
power loss. Once an fsync has failed, nothing more is acknowledged: every request that
would wait answers 500 until the server restarts (the kernel may have dropped the pages
it could not write, and a later fsync would report success without them).

The requests of one turn also share one transaction (a batch). The first request that
writes leaves its transaction open instead of committing it; the requests after it run in
the same transaction, each inside a SAVEPOINT of its own (an error rolls back only its
savepoint), and the first answer to be sent commits the batch before the one fsync. A
ListUsers or CreateUser touches the same index pages as its neighbours: written once per
batch, not once per request. If that COMMIT fails, every request of the batch (the
writers, and the readers that saw their writes) answers 500 and nothing of it is kept;
the next batch starts afresh. Anything else that uses the connection (start-up, the
export thread, SMTP) commits the open batch first.

Writes that need not wait for the disk (``durable=False``: a mailbox login's bookkeeping)
share batches too: one opens a batch or joins the open one, and its answer waits for the
batch's COMMIT (one WAL append for the turn, not one per login). A batch that only such
writes changed is committed without an fsync; one that a durable write changed is synced
as above, and everything in it waits for that.

Only the single-process SQLite file groups commits (not memory, not PostgreSQL, not the
file the workers of ``serve --workers`` share, where another process's commit can be
read before it is synced).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

import apsw

log = logging.getLogger("workmail_local.store")

#: Failed batches remembered for the requests still waiting on them (a request waits a
#: few turns of the loop at most: a handful of batches).
LOST_BATCHES_KEPT = 64
#: Turns of the loop a sync waits, at most, for the requests arrived to be waiting too.
MAX_TURNS = 3

#: True while a request of the event loop runs (set by the ASGI app): its durable commits
#: may leave the sync to :meth:`GroupCommit.wait`, which the app awaits before answering.
IN_REQUEST: ContextVar[bool] = ContextVar("workmail_local_in_request", default=False)


class Arrivals:
    """How many requests of this process have arrived whole and are not answered yet, on
    every connection together (the HTTP protocol counts them: ``connections.py``). More
    than one: a commit's sync is worth a turn of the loop, to be shared."""

    __slots__ = ("unanswered",)

    def __init__(self) -> None:
        self.unanswered = 0


#: The process's count (an instance, not a class attribute: setting one of those on every
#: request would invalidate the type's attribute cache each time).
ARRIVALS = Arrivals()


class SyncMode:
    """The connection's current ``PRAGMA synchronous``, switched only when a transaction
    needs the other mode (a run of requests, or of logins, needs no switching at all)."""

    __slots__ = ("full",)

    def __init__(self) -> None:
        self.full = True

    def ensure(self, conn: apsw.Connection, full: bool) -> None:
        """Set ``synchronous=FULL`` (``full``) or ``NORMAL`` unless the connection has it already."""
        if self.full != full:
            conn.execute("PRAGMA synchronous=FULL" if full else "PRAGMA synchronous=NORMAL")
            self.full = full


class GroupCommit:
    """The event loop's commits not yet synced, and the one fsync that syncs them.

    ``committed`` counts the requests whose work went into a batch (the first one wrote;
    the others joined it), ``synced`` how many of them are settled: committed, and on disk
    unless no durable write was among them (the last fsync covered them, or none was
    needed); only the loop's thread changes either. A request that waits needs
    ``committed`` as it was when its work ended: every write it may have seen."""

    def __init__(self, wal_path: Path | None, batches: bool | None = None) -> None:
        #: The write-ahead log to fsync; ``None``: nothing to sync (no file, or not ours to sync).
        self.wal_path = wal_path
        #: Whether the loop's requests share transactions (``store/turns.py``): an SQLite
        #: file's, and an in-memory database's, which groups them with no sync to share.
        self.enabled = wal_path is not None if batches is None else batches
        self.committed = 0
        self.synced = 0
        self.waiting = 0  # requests in wait(), yielding to the others
        #: Commits the open batch (the store sets it; a failure is :meth:`lose`'s).
        self.end_batch: Callable[[], None] = lambda: None
        self._batch_from = 0  # ``committed`` before the open batch's first write
        #: A durable write went into a batch since the last fsync: the next sync_now makes one.
        self.needs_sync = False
        # (first, last, error): batches whose COMMIT failed, by the commit counts they held.
        self._lost: deque[tuple[int, int, BaseException]] = deque(maxlen=LOST_BATCHES_KEPT)
        self._fd: int | None = None  # the log, opened at its first sync
        self._failed: OSError | None = None

    def open_batch(self, durable: bool) -> None:
        """A request wrote and left its transaction open: the batch starts with its write
        (``durable``: one whose answer waits for the disk)."""
        self._batch_from = self.committed
        self.committed += 1
        if durable and self.wal_path is not None:  # in memory, nothing reaches a disk
            self.needs_sync = True

    def lose(self, error: BaseException) -> None:
        """The open batch could not be committed (rolled back): its requests must answer 500."""
        self._lost.append((self._batch_from + 1, self.committed, error))
        log.error("a batch of %d requests' writes could not be committed and was rolled back: %s",
                  self.committed - self._batch_from, error)

    def check(self, needed: int) -> None:
        """``OSError`` if the writes a request needed were in a batch that was rolled back."""
        for first, last, error in self._lost:
            if first <= needed <= last:
                raise OSError(errno.EIO, f"its transaction could not be committed: {error}")

    @property
    def pending(self) -> bool:
        """Whether a commit of the loop is not on disk yet (the app then awaits :meth:`wait`)."""
        return self.synced < self.committed

    async def wait(self, needed: int) -> None:
        """Return once the first ``needed`` commits are on disk (``OSError`` if the fsync
        failed, or if the batch holding them could not be committed).

        When other requests have arrived, turns of the loop first, until every request
        arrived is waiting too (at most :data:`MAX_TURNS`: one counted as arrived may be
        busy elsewhere, hashing a password off the loop): those ready run (and join the
        batch) before this one resumes, and those parsed a turn later still make it. The
        first to resume then commits and syncs for all of them, and the rest find nothing
        pending. A request alone syncs at once (one client: one fsync per write as ever)."""
        if ARRIVALS.unanswered > 1:
            self.waiting += 1
            try:
                for _ in range(MAX_TURNS):
                    await asyncio.sleep(0)
                    if self.synced >= needed or ARRIVALS.unanswered <= self.waiting:
                        break
            except asyncio.CancelledError:
                self.end_batch()  # (shutting down) the other requests' writes are kept
                raise
            finally:
                self.waiting -= 1
        if self.synced < needed:
            self.sync_now()
        if self._lost:
            self.check(needed)

    def sync_now(self) -> None:
        """Commit the open batch and sync every durable commit made so far, here and now
        (``OSError`` if the fsync failed); batches of non-durable writes only need no fsync."""
        target = self.committed
        self.end_batch()
        if self._failed is not None:
            raise self._failed
        if not self.needs_sync:
            self.synced = max(self.synced, target)
            return
        try:
            self.needs_sync = False  # (a failed fsync is remembered in _failed instead)
            self.sync()
        except OSError as exc:
            self._failed = exc
            log.error("fsync of %s failed: %s; no request is answered until the server restarts but with a 500",
                      self.wal_path, exc)
            raise
        self.synced = max(self.synced, target)

    def sync(self) -> None:
        """fsync the write-ahead log now (and, once, its directory, which holds its name).

        Through a descriptor of our own, opened once: an fsync writes all of a file's
        pages whichever descriptor wrote them (Linux, like POSIX, syncs the file), and
        SQLite keeps the log's file (the same inode: a checkpoint rewrites or truncates
        it in place) for as long as the store's connection is open."""
        assert self.wal_path is not None
        if self._fd is None:
            try:
                self._fd = os.open(self.wal_path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                return  # no log: every commit is in the database file, which SQLite synced
            directory = os.open(self.wal_path.parent, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        os.fdatasync(self._fd)

    def close(self) -> None:
        """Close the log's descriptor (the store closes its connection)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


#: What a store whose requests never share a transaction holds (PostgreSQL, the workers' file).
NEVER = GroupCommit(None)
