"""The requests of one turn of the event loop share one SQLite transaction, as methods of
:class:`~workmail_local.store.engine.Store` (a mixin, as ``pipeline.py`` is the app's):
on a database file, and in memory the batch of writes (the group commit has no log to
sync there, and a read alone commits at once).

A request that writes leaves its transaction open as the *batch*: the requests after it
run in savepoints of it, and the group commit their answers await commits it (and syncs
it when a durable write is in it: ``store/durability.py``). A request that only read
leaves it open as a *read transaction*, ended by a callback at the loop's next turn, so
that the reads of a busy turn skip BEGIN, COMMIT and taking a snapshot of the log (the
shared-memory locks: two ``fcntl`` calls): about a third of a short read's SQL. A write
after such reads turns the read transaction into the batch. Nothing else writes the file
meanwhile (one server claims it; ``serve --workers`` never groups: ``store/workers.py``),
so that upgrade cannot lose a race, and work outside a request ends either one first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import apsw

from workmail_local.store.rows import Tx

if TYPE_CHECKING:
    import threading

    from workmail_local.store.durability import GroupCommit

T = TypeVar("T")


class TurnTransactions:
    """The open batch and the open read transaction; mixed into :class:`~workmail_local.store.engine.Store`."""

    _conn: apsw.Connection
    _tx: Tx
    _lock: threading.RLock
    group_commit: GroupCommit
    _batch_open: bool
    _reading: bool

    def _keep_open(self, durable: bool) -> bool:
        """Leave the request's transaction open for the next requests (the lock held): as
        the batch if it wrote, else as the read transaction the loop's next turn ends.
        False outside an event loop (nothing would end it): the caller commits."""
        if self._conn.txn_state() == apsw.SQLITE_TXN_WRITE:
            self._batch_open = True  # committed by the group commit, with the requests after it
            self.group_commit.open_batch(durable)
            return True
        if self.group_commit.wal_path is None:
            # In memory a BEGIN and COMMIT cost less than a callback ending the read at the
            # next turn (measured: 287k against 292k instructions a DescribeOrganization
            # alone, the same at 32 connections), and there is no log snapshot to save.
            return False
        try:
            asyncio.get_running_loop().call_soon(self._end_reads)
        except RuntimeError:
            return False
        self._reading = True
        return True

    def _run_after_reads(self, work: Callable[[Tx], T], durable: bool) -> T:
        """``work(tx)`` in the open read transaction (the lock held). Only reads came before
        it, so an error rolls back the whole transaction when the work wrote, and a write
        makes the transaction the batch."""
        try:
            result = work(self._tx)
        except BaseException:
            if self._conn.get_autocommit():
                self._reading = False  # SQLite ended the transaction itself
            elif self._conn.txn_state() == apsw.SQLITE_TXN_WRITE:
                self._reading = False
                self._tx.cursor.execute("ROLLBACK")  # its own writes: the only ones in it
            raise
        if self._conn.txn_state() == apsw.SQLITE_TXN_WRITE:
            self._reading = False
            self._keep_open(durable)
        return result

    def _end_reads(self) -> None:
        """End the requests' open read transaction, unless it became a batch meanwhile."""
        with self._lock:
            if self._reading:
                self._reading = False
                self._tx.cursor.execute("COMMIT")

    def _run_in_batch(self, work: Callable[[Tx], T], durable: bool) -> T:
        """``work(tx)`` in a savepoint of the open batch (the lock held): an error rolls back
        its own writes only. Its answer waits for the batch's commit, which it may have seen
        (and for its sync, once a durable write changed the batch)."""
        cursor, group = self._tx.cursor, self.group_commit
        # Whether its writes would make the batch need a sync (never in memory: no log to sync).
        watch = durable and group.wal_path is not None and not group.needs_sync
        changes = self._conn.total_changes() if watch else 0
        cursor.execute("SAVEPOINT request")
        try:
            result = work(self._tx)
        except BaseException as exc:
            if self._conn.get_autocommit():
                self._drop_batch(exc)  # SQLite rolled the whole transaction back (a full disk, an I/O error)
            else:
                cursor.execute("ROLLBACK TO request")
                cursor.execute("RELEASE request")
            raise
        cursor.execute("RELEASE request")
        group.committed += 1
        if watch and self._conn.total_changes() != changes:
            group.needs_sync = True
        return result

    def end_batch(self) -> None:
        """Commit the requests' open batch, if there is one (a failed COMMIT rolls it back
        and fails its requests' answers: ``GroupCommit.lose``), or their open read transaction."""
        with self._lock:
            if self._reading:
                self._end_reads()
                return
            if not self._batch_open:
                return
            try:
                self._tx.cursor.execute("COMMIT")
            except Exception as exc:  # noqa: BLE001 - the waiting requests answer for it
                self._drop_batch(exc)
            else:
                self._batch_open = False

    def _drop_batch(self, error: BaseException) -> None:
        """The open batch is lost: rolled back (unless SQLite already did) and recorded, so
        that its requests answer 500."""
        self._batch_open = False
        if not self._conn.get_autocommit():
            self._tx.cursor.execute("ROLLBACK")
        self.group_commit.lose(error)
