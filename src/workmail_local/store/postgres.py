"""PostgreSQL behind the same :class:`Tx`: for teams sharing one emulator from several processes.

Handlers write portable SQL with ``?`` placeholders and read rows by column name or
position; this module sends that SQL (spelled for psycopg by ``store/sql_text.py``, and
prepared once it repeats: ``store/pg_statements.py``), gives rows both kinds of access, and
runs every transaction at SERIALIZABLE isolation so that the handlers' check-then-insert
steps (alias, name and email uniqueness) stay correct when several processes run them at
once. A transaction that loses such a race fails with a serialization failure and
:meth:`Store.run` runs it again from the start.

Values are bound client-side (``psycopg.ClientCursor``): SQLite-style statements such as
``? IS NULL`` need no type casts, as they would with server-side parameters, and every
statement is one string, so BEGIN is sent in one query with the first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.errors
from psycopg.rows import tuple_row
from psycopg.types.numeric import Int8Dumper

from workmail_local.store.engine import Store, StoreUnavailableError
from workmail_local.store.pg_statements import PreparedStatements
from workmail_local.store.rows import Row, Tx
from workmail_local.store.sql_text import translate as translate  # (re-exported)

# pg_advisory_lock key held while migrating ("WMLocal!" as a 64-bit integer).
MIGRATION_LOCK_KEY = 0x574D4C6F63616C21


_TYPES = ((re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),  # PostgreSQL's REAL is 4 bytes: timestamps need 8
          (re.compile(r"\bINTEGER\b"), "BIGINT"),  # SQLite's INTEGER is 8 bytes
          # SQLite compares text by code point; so does the "C" collation, whatever the
          # database's locale: the same order (and keyset pages) on both engines.
          (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'))


def ddl(statement: str) -> str:
    """A migration statement with SQLite's types turned into PostgreSQL's of the same range and order."""
    for pattern, replacement in _TYPES:
        statement = pattern.sub(replacement, statement)
    return statement


# SQL text → the column names of its result, read off the first result (as on SQLite:
# ``store/rows.py``): describing every result built a Column object per column per row set.
_COLUMNS: dict[str, tuple[str, ...]] = {}


def _names(sql: str, cursor: Any, width: int) -> tuple[str, ...]:
    """The column names of ``sql``, just executed on ``cursor``, whose rows are ``width`` wide."""
    names = _COLUMNS.get(sql)
    if names is None or len(names) != width:  # new, or ``SELECT *`` across a migration
        names = _COLUMNS[sql] = tuple(column.name for column in cursor.description)
    return names


class _BoolAsInteger(Int8Dumper):
    """Booleans go into the INTEGER (0/1) columns the portable schema uses."""

    def dump(self, obj: Any) -> Any:
        return super().dump(int(obj))


_BEGIN = "BEGIN ISOLATION LEVEL SERIALIZABLE; "
#: Committed without waiting for the WAL flush (see ``Store.transaction``).
_BEGIN_NOT_DURABLE = _BEGIN + "SET LOCAL synchronous_commit = off; "


class PgTx(Tx):
    """:class:`Tx` over a psycopg connection: the same methods, SQL translated once.

    BEGIN is not a round trip of its own: it goes to the server in front of the
    transaction's first statement, in one simple-protocol query (values are bound
    client-side, so every statement is one string). A transaction that runs no statement
    never begins, and has nothing to commit."""

    __slots__ = ("_store", "opening")

    def __init__(self, store: PostgresStore, opening: str) -> None:
        self._store, self.opening = store, opening
        self._conn, self.cursor = store._conn, store._cursor

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        """The cursor holding the result of ``sql`` (sent prepared once it is: ``store/pg_statements.py``)."""
        if not self.opening:
            return self.cursor.execute(self._store._statements.text(sql), tuple(params))
        opening, self.opening = self.opening, ""
        try:
            cursor = self.cursor.execute(opening + self._store._statements.text(sql), tuple(params))
        except psycopg.OperationalError:
            if not self._conn.broken:
                raise
            # The connection died while idle (the database restarted): the transaction had
            # not begun, so it begins on a new connection (which has prepared nothing yet).
            # Once only: a database that drops every new connection fails the request.
            self._conn, self.cursor = self._store._connection(), self._store._cursor
            cursor = self.cursor.execute(opening + self._store._statements.text(sql), tuple(params))
        for _ in range(opening.count(";")):
            cursor.nextset()  # past BEGIN (and SET) to the statement's own result
        return cursor

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self._run(sql, params)
        row = cursor.fetchone()
        return None if row is None else Row(zip(_names(sql, cursor, len(row)), row))

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self._run(sql, params)
        rows = cursor.fetchall()
        if not rows:
            return rows
        names = _names(sql, cursor, len(rows[0]))
        return [Row(zip(names, row)) for row in rows]

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._run(sql, params).fetchone()
        return None if row is None else row[0]

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._run(sql, params).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._run(sql, params).rowcount


class _PgTransaction:
    """BEGIN ISOLATION LEVEL SERIALIZABLE … COMMIT, or ROLLBACK on an exception.

    A transaction that is not ``durable`` sets ``synchronous_commit = off`` for itself:
    committed, but without waiting for the WAL flush (see ``Store.transaction``)."""

    __slots__ = ("_store", "_durable", "_tx")

    def __init__(self, store: PostgresStore, durable: bool) -> None:
        self._store, self._durable = store, durable

    def __enter__(self) -> Tx:
        store = self._store
        store._lock.acquire()
        try:
            store._connection()
            self._tx = PgTx(store, _BEGIN if self._durable else _BEGIN_NOT_DURABLE)
        except BaseException:
            store._lock.release()
            raise
        return self._tx

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        tx = self._tx
        try:
            if tx.opening:
                return  # no statement ran: the transaction never began
            if exc_type is None:
                try:
                    tx.cursor.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise
            else:
                self._rollback()
            statements = self._store._statements
            if statements.pending and not tx._conn.closed:
                statements.prepare(tx.cursor)  # after the transaction: a failed PREPARE is harmless
        finally:
            self._store._lock.release()

    def _rollback(self) -> None:
        conn = self._tx._conn
        if not conn.closed:
            try:
                self._tx.cursor.execute("ROLLBACK")
            except psycopg.OperationalError:
                pass  # the connection is gone; the next transaction opens a new one


def redacted(url: str) -> str:
    """The database URL without its password, for humans and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class PostgresStore(Store):
    """A PostgreSQL database shared by any number of WorkMail Local processes.

    One connection per process, used by one transaction at a time (the server answers
    requests one after another, as with SQLite); processes run side by side.
    """

    shared = True
    retryable = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected,
                 # A concurrent insert the transaction could not see: its second run sees
                 # the row and answers the modelled error (a duplicate name, alias …).
                 psycopg.errors.UniqueViolation)
    attempts = 5

    def __init__(self, url: str) -> None:  # noqa: D107 - the base's __init__ is SQLite's
        self.url = url
        self.path = None
        self._conn: Any = None
        self._cursor: Any = None  # one cursor per connection: every statement runs on it
        self._statements = PreparedStatements()  # the connection's (store/pg_statements.py)
        self._lock = threading.RLock()
        self._lock_file = None
        self._connection()
        self.migrate()

    def _connection(self) -> Any:
        """The open connection, reconnecting after the previous one broke."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            try:
                conn = psycopg.connect(self.url, autocommit=True, cursor_factory=psycopg.ClientCursor,
                                       row_factory=tuple_row, connect_timeout=10)
            except psycopg.Error as exc:
                raise StoreUnavailableError(f"cannot connect to {redacted(self.url)}: {exc}".strip()) from None
            conn.adapters.register_dumper(bool, _BoolAsInteger)
            self._conn, self._cursor, self._statements = conn, conn.cursor(), PreparedStatements()
        return self._conn

    @property
    def location(self) -> str:
        return f"PostgreSQL {redacted(self.url)}"

    def transaction(self, durable: bool = True) -> _PgTransaction:  # type: ignore[override]
        return _PgTransaction(self, durable)

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        with self._lock:
            conn = self._connection()
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))

    def _ddl(self, statement: str) -> str:
        return ddl(statement)

    def tables(self) -> list[str]:
        with self._lock:
            rows = self._connection().execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'schema_migrations' ORDER BY tablename"
            ).fetchall()
        return [r[0] for r in rows]

    def wipe(self, tx: Tx) -> None:
        # One TRUNCATE of every table at once: foreign keys between them need no order.
        tables = self.tables()
        if tables:
            tx.execute(f"TRUNCATE {', '.join(tables)}")  # noqa: S608 - names come from pg_tables

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
