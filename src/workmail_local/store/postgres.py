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
statement is one string, so BEGIN is sent in one query with the first (the transaction
itself, and how it saves round trips: ``store/pg_transactions.py``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.errors
from psycopg.rows import tuple_row
from psycopg.types.numeric import Int8Dumper

from workmail_local.store.engine import Store, StoreUnavailableError
from workmail_local.store.pg_statements import PreparedStatements
from workmail_local.store.pg_transactions import PgTransaction, StaleRead
from workmail_local.store.rows import Tx
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


class _BoolAsInteger(Int8Dumper):
    """Booleans go into the INTEGER (0/1) columns the portable schema uses."""

    def dump(self, obj: Any) -> Any:
        return super().dump(int(obj))


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
                 psycopg.errors.UniqueViolation,
                 StaleRead)  # another process changed a remembered value (store/pg_transactions.py)
    attempts = 5

    def __init__(self, url: str) -> None:  # noqa: D107 - the base's __init__ is SQLite's
        self.url = url
        self.path = None
        self._conn: Any = None
        self._cursor: Any = None  # one cursor per connection: every statement runs on it
        self._statements = PreparedStatements()  # the connection's (store/pg_statements.py)
        self.remembered: dict[str, Any] = {}  # query → its last answer (PgTx.remembered_value)
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

    def transaction(self, durable: bool = True) -> PgTransaction:  # type: ignore[override]
        return PgTransaction(self, durable)

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
