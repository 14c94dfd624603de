"""The SQLite connection as every store opens it, the claim on its file, and the
``with``-statement transaction (the request path writes its own: ``Store._run_once``)."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import apsw

from workmail_local.store.durability import SyncMode
from workmail_local.store.rows import Tx

#: Read-write, created when missing, and without SQLite's per-connection mutex: the
#: store's own lock serializes every use of its one connection (event loop and threads).
_OPEN_FLAGS = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE | apsw.SQLITE_OPEN_NOMUTEX


class StoreInUseError(Exception):
    """The database file is held by another process."""


def claim_database(path: Path) -> TextIO:
    """Hold ``<database>.lock`` for as long as the store is open: one server per database.

    A lock file rather than SQLite's exclusive locking mode, so that tools (and tests) can
    still read the database while the server runs.
    """
    handle = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StoreInUseError(f"{path} is in use by another process (another WorkMail Local server on the "
                              "same data directory?)") from None
    return handle


class Transaction:
    """``with store.transaction() as tx``: BEGIN … COMMIT, or ROLLBACK on an exception.

    A plain class rather than ``@contextmanager``: this runs on every request. A
    transaction that is not ``durable`` commits without waiting for the disk (SQLite's
    ``synchronous=NORMAL`` in WAL mode): it survives a crash of the server, not a power
    loss — for bookkeeping such as a token's DateLastUsed on the login hot path. A
    durable transaction after it switches back to ``FULL`` first, and its commit's sync
    covers the earlier frames too.
    """

    __slots__ = ("_tx", "_lock", "_durable", "_sync", "_begin", "_end_batch")

    def __init__(self, tx: Tx, lock: threading.RLock, durable: bool, sync: SyncMode,
                 begin: str = "BEGIN", end_batch: Callable[[], None] = lambda: None) -> None:
        self._tx, self._lock, self._durable, self._sync, self._begin = tx, lock, durable, sync, begin
        self._end_batch = end_batch

    def __enter__(self) -> Tx:
        self._lock.acquire()
        try:
            self._end_batch()  # the requests' open batch, if any, is committed first
            self._sync.ensure(self._tx.cursor.connection, self._durable)
            self._tx.cursor.execute(self._begin)
        except BaseException:
            self._lock.release()
            raise
        return self._tx

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        cursor = self._tx.cursor
        try:
            if exc_type is None:
                try:
                    cursor.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT (a deferred constraint, a full disk) leaves the
                    # transaction open: end it before the error goes on.
                    cursor.execute("ROLLBACK")
                    raise
            else:
                cursor.execute("ROLLBACK")
        finally:
            self._lock.release()


def connect(target: str, wal: bool) -> apsw.Connection:
    """A connection to ``target`` as every store uses it. Autocommit mode: transactions are
    begun and ended explicitly (:class:`Transaction`, ``Store._run_once``)."""
    conn = apsw.Connection(target, flags=_OPEN_FLAGS)
    # Plans that never depend on bound values: APSW's SQLite is built with STAT4, which
    # otherwise prepares a statement again whenever a value compared with an indexed
    # column is bound anew (every list page's organization ID: most of the page's cost).
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_QPSG, 1)
    conn.execute("PRAGMA busy_timeout=5000")
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")  # the first read of the file: a foreign one fails here
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn
