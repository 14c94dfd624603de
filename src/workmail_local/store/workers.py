"""SQLite shared by the worker processes of one server (``serve --workers N``).

The parent process claims the database file (the lock file of ``connection.claim_database``) and
migrates it before any worker starts; the workers inherit the claim's descriptor, so the
lock is held for as long as any process of the server is alive, and each opens the file
without claiming it. SQLite's own locking serializes their writes (WAL: readers never
wait for writers; one writer at a time, ``busy_timeout`` waiting for the lock).

Transactions begin ``DEFERRED``, so that reads in different workers run side by side.
A transaction that has read and then writes cannot wait for the write lock: when another
worker wrote since it began (or is writing), SQLite refuses at once with ``SQLITE_BUSY``
(``SQLITE_BUSY_SNAPSHOT``): it never lets a transaction write what it decided on a stale
snapshot. That is the lost race PostgreSQL reports as a serialization failure, and it is
handled the same way: :meth:`WorkerStore.run` runs the transaction again from the start,
now with ``BEGIN IMMEDIATE``, which waits for the write lock before reading anything, so
the second run reads the winner's rows and answers what a later request would (one
organization alias, user name or email: ``NameAvailabilityException`` …), never
"database is locked".

``shared`` is true, as for PostgreSQL: the clock offset is read from ``meta`` in every
transaction (another worker may have moved the clock), and export jobs are claimed with
a lease rather than owned by the one process of the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import apsw

from workmail_local.store.engine import Store
from workmail_local.store.rows import Tx

T = TypeVar("T")
log = logging.getLogger("workmail_local.store")


class WorkerStore(Store):
    """The SQLite database of a ``serve --workers`` server, opened by one worker."""

    shared = True
    #: Runs of a transaction before a lost race is an error: the second run holds the
    #: write lock from its start, so more are needed only when it waited beyond the
    #: busy timeout (another worker holding the lock for seconds).
    attempts = 5
    #: Another worker may read a commit of this one before it is synced: every durable
    #: commit waits for its own sync (SQLite's synchronous=FULL), none is grouped.
    groups_commits = False

    def __init__(self, path: Path) -> None:  # noqa: D107 - the claim is the parent's
        super().__init__(path, claim=False)

    def run(self, work: Callable[[Tx], T], durable: bool = True) -> T:
        """``work(tx)`` in one transaction; after a lost race, again from the start with
        the write lock taken first (see the module docstring)."""
        immediate = False
        for attempt in range(1, self.attempts + 1):
            try:
                with self.transaction(durable, immediate) as tx:
                    return work(tx)
            except apsw.BusyError as exc:  # SQLITE_BUSY and its extended codes: a lost race
                if attempt == self.attempts:
                    raise
                log.debug("transaction run again with the write lock (attempt %d) after: %s", attempt + 1, exc)
                immediate = True
        raise AssertionError("unreachable")
