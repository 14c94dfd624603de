"""The database engine behind every handler.

Handlers see only :class:`Tx` (``one``/``all``/``execute`` with ``?`` placeholders and
portable SQL), so the PostgreSQL engine (``store/postgres.py``, chosen by a database URL
in :func:`open_store`) runs them unchanged. SQLite runs in WAL mode: a write is on disk
before its response is sent (``synchronous=FULL``, or for requests one sync shared by the
writes answered together: ``store/durability.py``).

SQLite is reached through APSW rather than the standard library's ``sqlite3``: that
module releases and retakes the GIL around every column it reads (a ListUsers page
is 130 columns: a third of reading it, measured), and its connections lock SQLite's
own mutexes on every call. APSW reads columns holding the GIL, and the connection is
opened ``SQLITE_OPEN_NOMUTEX`` because the store's lock already serializes every use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import ContextManager, TextIO, TypeVar

import apsw

from workmail_local.store.connection import StoreInUseError as StoreInUseError  # (re-exported)
from workmail_local.store.connection import Transaction, claim_database, connect
from workmail_local.store.durability import IN_REQUEST, NEVER, GroupCommit, SyncMode
from workmail_local.store.migrations import MIGRATIONS
from workmail_local.store.rows import Tx
from workmail_local.store.turns import TurnTransactions

T = TypeVar("T")
log = logging.getLogger("workmail_local.store")
DATABASE_NAME = "workmail-local.sqlite3"


class StoreUnavailableError(Exception):
    """The database cannot be reached or opened (a bad URL, a server that is down)."""


class Store(TurnTransactions):
    """An SQLite database (a file, or memory only) with the schema migrated to the latest version.

    The base of every engine: :meth:`run` and :meth:`migrate` are the same code path for
    PostgreSQL, which overrides the engine-specific pieces.
    """

    #: Several processes may share the database: state kept in memory (the clock offset)
    #: must be read from it in each transaction. SQLite allows one server per file.
    shared = False
    #: Durable commits of requests not yet synced (SQLite's own file only: ``__init__``).
    group_commit: GroupCommit = NEVER
    #: Whether an SQLite file's requests may share one sync (``store/durability.py``).
    groups_commits = True
    #: Exceptions after which a whole transaction is worth running again (PostgreSQL's
    #: serialization failures); SQLite serializes writers and has none.
    retryable: tuple[type[BaseException], ...] = ()
    attempts = 1

    def __init__(self, path: Path | None, claim: bool = True) -> None:
        """Open (and migrate) the database; ``claim=False`` only where the caller's parent
        process holds the claim for it (``serve --workers``: ``store/workers.py``)."""
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        target = ":memory:" if path is None else str(path)
        self._lock_file = claim_database(path) if path is not None and claim else None
        try:
            self._conn = connect(target, wal=path is not None)
        except (apsw.CantOpenError, apsw.NotADBError, apsw.CorruptError) as exc:
            if self._lock_file is not None:
                self._lock_file.close()
            raise StoreUnavailableError(f"cannot open the database {target}: {exc}") from None
        # One connection shared by the event loop and any worker thread: serialize use.
        self._lock = threading.RLock()
        self._sync = SyncMode()
        if self.groups_commits:
            # The loop's requests share transactions: on a file, with one sync of its log;
            # in memory, to save each request its BEGIN and COMMIT.
            self.group_commit = GroupCommit(path.with_name(path.name + "-wal") if path is not None else None,
                                            batches=True)
            self.group_commit.end_batch = self.end_batch
        # The requests' transaction left open for the next ones (store/turns.py): the
        # batch of their writes, or a read transaction.
        self._batch_open = False
        self._reading = False
        # A Tx holds the connection and its one cursor: one serves every transaction (they take turns).
        self._tx = Tx(self._conn)
        self.migrate()

    @property
    def location(self) -> str:
        """Where the data lives, for humans."""
        return "memory (nothing is written to disk)" if self.path is None else str(self.path)

    def transaction(self, durable: bool = True, immediate: bool = False) -> Transaction:
        """A transaction committed on success and rolled back on any exception (``with`` it).

        ``durable=False``: committed before the response, but without waiting for the disk.
        ``immediate``: take the write lock at BEGIN (waiting for it), not at the first write
        (only a database several processes write needs it: ``store/workers.py``)."""
        return Transaction(self._tx, self._lock, durable, self._sync, "BEGIN IMMEDIATE" if immediate else "BEGIN",
                            self.end_batch)

    def run(self, work: Callable[[Tx], T], durable: bool = True) -> T:
        """``work(tx)`` in one transaction, run again from the start (a fresh transaction)
        when the engine reports a conflict with a concurrent one (PostgreSQL only).

        The one place a request's transaction is run: ``work`` must have no effect outside
        the transaction that a second attempt could not repeat."""
        if self.attempts == 1:  # SQLite: nothing to retry, and this runs on every request
            return self._run_once(work, durable)
        for attempt in range(1, self.attempts + 1):
            try:
                with self.transaction(durable) as tx:
                    return work(tx)
            except self.retryable as exc:
                if attempt == self.attempts:
                    raise
                log.debug("transaction run again (attempt %d) after: %s", attempt + 1, exc)
                if not getattr(exc, "immediately", False):  # a lost race: let the winner finish
                    time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    def _run_once(self, work: Callable[[Tx], T], durable: bool) -> T:
        """``with self.transaction(durable) as tx: return work(tx)``, written out: the one
        transaction of every request, with no context-manager object or new ``Tx`` each time.

        A request's transaction is left open for the next requests of the loop's turn, as
        the batch they join if it wrote, else as a read transaction (``store/turns.py``);
        any other transaction waits for the disk itself."""
        conn, tx = self._conn, self._tx
        cursor = tx.cursor
        in_request = self.group_commit.enabled and IN_REQUEST.get()
        with self._lock:
            if self._batch_open or self._reading:
                if in_request:  # joins the turn's open transaction
                    return (self._run_in_batch if self._batch_open else self._run_after_reads)(work, durable)
                self.end_batch()
            self._sync.ensure(conn, durable and not in_request)
            cursor.execute("BEGIN")
            try:
                result = work(tx)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            if in_request and self._keep_open(durable):
                return result
            try:
                cursor.execute("COMMIT")
            except BaseException:
                # A failed COMMIT leaves the transaction open: end it before the error goes on.
                cursor.execute("ROLLBACK")
                raise
            return result

    def _migration_lock(self) -> ContextManager[object]:
        """Held while migrating: several processes starting at once migrate once."""
        return nullcontext()

    def _ddl(self, statement: str) -> str:
        """A migration statement in this engine's dialect (SQLite runs them as written)."""
        return statement

    def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction."""
        with self._migration_lock():
            with self.transaction() as tx:
                tx.execute(self._ddl(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
                ))
                done = {r["id"] for r in tx.all("SELECT id FROM schema_migrations")}
            applied = []
            pending = [(m, statements) for m, statements in sorted(MIGRATIONS.items()) if m not in done]
            for number, (migration_id, statements) in enumerate(pending, 1):
                # Only the last waits for the disk, and its sync covers the earlier ones: a
                # crash before it loses at most migrations that simply run again (each is
                # recorded in its own transaction), and a new database is ready sooner.
                with self.transaction(durable=number == len(pending)) as tx:
                    for statement in statements:
                        tx.execute(self._ddl(statement))
                    tx.execute("INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)",
                               (migration_id, time.time()))
                applied.append(migration_id)
            return applied

    def tables(self) -> list[str]:
        """Every table holding state (the migration bookkeeping excluded)."""
        rows = self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            " AND name != 'schema_migrations'"
        )
        return [r[0] for r in rows]

    def wipe(self, tx: Tx) -> None:
        """Delete every row of every state table, inside the caller's transaction."""
        tx.execute("PRAGMA defer_foreign_keys=ON")
        for table in self.tables():
            tx.execute(f"DELETE FROM {table}")  # noqa: S608 - names come from sqlite_master
        # Every row is gone, so nothing is left to check; and the requests that share the
        # transaction after this one (store/durability.py) must have their keys checked at once.
        tx.execute("PRAGMA defer_foreign_keys=OFF")

    def close(self) -> None:
        with self._lock:
            self.end_batch()
            self._conn.close()
            self.group_commit.close()
            if self._lock_file is not None:
                self._lock_file.close()

    def close_keeping_claim(self) -> TextIO | None:
        """Close the database but not its claim: the open lock file is returned, still
        holding the lock (``None`` when nothing is claimed: memory, PostgreSQL). The parent of
        ``serve --workers`` holds it, and its workers inherit it, while they use the file."""
        claim, self._lock_file = self._lock_file, None
        self.close()
        return claim


def open_store(data_dir: Path | None, in_memory: bool = False, database_url: str | None = None,
               worker: bool = False) -> Store:
    """The store the settings ask for: PostgreSQL at ``database_url``, in memory, or
    ``workmail-local.sqlite3`` in ``data_dir``.

    ``worker``: opened by one of the worker processes of ``serve --workers``, whose parent
    has claimed and migrated the SQLite file (``store/workers.py``)."""
    if database_url:
        try:
            from workmail_local.store.postgres import PostgresStore  # psycopg is an optional extra
        except ImportError:
            raise StoreUnavailableError("a PostgreSQL database URL needs psycopg: "
                                        "pip install 'workmail-local[postgres]'") from None
        return PostgresStore(database_url)
    if in_memory or data_dir is None:
        return Store(None)
    if worker:
        from workmail_local.store.workers import WorkerStore

        return WorkerStore(Path(data_dir) / DATABASE_NAME)
    return Store(Path(data_dir) / DATABASE_NAME)
