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

Only the single-process SQLite file groups commits (not memory, not PostgreSQL, not the
file the workers of ``serve --workers`` share, where another process's commit can be
read before it is synced).
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextvars import ContextVar
from pathlib import Path

import apsw

log = logging.getLogger("workmail_local.store")

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

    ``committed`` counts the durable commits of requests made without a sync, ``synced``
    how many of them the last fsync covered; only the loop's thread changes either."""

    def __init__(self, wal_path: Path | None) -> None:
        #: The write-ahead log to fsync; ``None``: this store never defers a sync.
        self.wal_path = wal_path
        self.enabled = wal_path is not None
        self.committed = 0
        self.synced = 0
        self._fd: int | None = None  # the log, opened at its first sync
        self._failed: OSError | None = None

    @property
    def pending(self) -> bool:
        """Whether a commit of the loop is not on disk yet (the app then awaits :meth:`wait`)."""
        return self.synced < self.committed

    async def wait(self) -> None:
        """Return once every commit made so far is on disk (``OSError`` if the fsync failed).

        When other requests have arrived, one turn of the loop first: those already
        ready run (and commit) before this one resumes. The first to resume then syncs
        for all of them, and the rest find nothing pending. A request alone syncs at once
        (one client: the same one fsync per write as ever)."""
        if ARRIVALS.unanswered > 1:
            await asyncio.sleep(0)
        if self.pending:
            self.sync_now()

    def sync_now(self) -> None:
        """Sync every commit made so far, here and now (``OSError`` if the fsync failed)."""
        if self._failed is not None:
            raise self._failed
        target = self.committed
        try:
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


#: What a store that never defers a sync holds (memory, PostgreSQL, the workers' file).
NEVER = GroupCommit(None)
