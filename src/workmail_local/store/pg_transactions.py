"""One PostgreSQL transaction behind the portable :class:`Tx` (the store is ``store/postgres.py``).

Round trips are what a request on PostgreSQL costs (each one is a psycopg query: about
50 µs of the server's CPU besides the database's), so a transaction sends as few as its
statements allow:

- BEGIN is not a round trip of its own: it goes to the server in front of the
  transaction's first statement, in one simple-protocol query (values are bound
  client-side, so every statement is one string). A transaction that runs no statement
  never begins, and has nothing to commit.
- A :meth:`PgTx.remembered_value` (the clock offset every transaction of a shared
  database reads first) is answered with the value this process last read, and the
  query is sent in that same first query, in front of the statement: the transaction's
  own snapshot checks it. Should it have changed (another process moved the clock),
  :class:`StaleRead` makes ``Store.run`` run the transaction again, which sees the new
  value: nothing the transaction did with the old one is kept.
- A write whose answer nobody reads (:meth:`PgTx.defer`: the login history's rows) goes in
  front of the transaction's next statement, or its COMMIT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import psycopg

from workmail_local.store.rows import Row, Tx

if TYPE_CHECKING:
    from workmail_local.store.postgres import PostgresStore

# SQL text → the column names of its result, read off the first result (as on SQLite:
# ``store/rows.py``): describing every result built a Column object per column per row set.
_COLUMNS: dict[str, tuple[str, ...]] = {}

BEGIN = "BEGIN ISOLATION LEVEL SERIALIZABLE; "
#: Committed without waiting for the WAL flush (see ``Store.transaction``).
BEGIN_NOT_DURABLE = BEGIN + "SET LOCAL synchronous_commit = off; "


class StaleRead(Exception):
    """A remembered value the transaction used had changed: run it again (it will see the new one)."""

    immediately = True  # nobody to wait for: ``Store.run`` retries at once


def _names(sql: str, cursor: Any, width: int) -> tuple[str, ...]:
    """The column names of ``sql``, just executed on ``cursor``, whose rows are ``width`` wide."""
    names = _COLUMNS.get(sql)
    if names is None or len(names) != width:  # new, or ``SELECT *`` across a migration
        names = _COLUMNS[sql] = tuple(column.name for column in cursor.description)
    return names


class PgTx(Tx):
    """:class:`Tx` over a psycopg connection: the same methods, SQL translated once, and
    the transaction's opening (BEGIN, remembered values' checks) sent with its first statement."""

    __slots__ = ("_store", "opening", "checks", "deferred")

    def __init__(self, store: PostgresStore, opening: str) -> None:
        self._store, self.opening = store, opening
        self._conn, self.cursor = store._conn, store._cursor
        self.checks: list[str] = []  # remembered values' queries, sent with the first statement
        self.deferred: list[tuple[str, Sequence[Any]]] = []  # writes sent with the next statement

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        """The cursor holding the result of ``sql`` (sent prepared once it is: ``store/pg_statements.py``),
        with whatever waits to go in front of it (the opening, checks, deferred writes)."""
        if not self.opening and not self.deferred:
            return self.cursor.execute(self._store._statements.text(sql), tuple(params))
        opening, self.opening = self.opening, ""
        deferred, self.deferred = self.deferred, []
        values = (*(value for _, ahead in deferred for value in ahead), *params)
        try:
            cursor = self.cursor.execute(self._query(opening, deferred, sql), values)
        except psycopg.OperationalError:
            if not opening or not self._conn.broken:
                raise
            # The connection died while idle (the database restarted): the transaction had
            # not begun, so it begins on a new connection (which has prepared nothing yet).
            # Once only: a database that drops every new connection fails the request.
            self._conn, self.cursor = self._store._connection(), self._store._cursor
            cursor = self.cursor.execute(self._query(opening, deferred, sql), values)
        for _ in range(opening.count(";")):
            cursor.nextset()  # past BEGIN (and SET) to the checks' results
        if opening:
            for check in self.checks:
                row = cursor.fetchone()
                self._compare(check, None if row is None else row[0])
                cursor.nextset()
        for _ in deferred:
            cursor.nextset()  # past the deferred writes' results to the statement's own
        return cursor

    def _query(self, opening: str, deferred: list[tuple[str, Sequence[Any]]], sql: str) -> str:
        """What goes to the server for ``sql``: the opening and the checks (the first
        statement only), the deferred writes, then the statement."""
        text = self._store._statements.text
        checks = "".join(text(check) + "; " for check in self.checks) if opening else ""
        return opening + checks + "".join(text(ahead) + "; " for ahead, _ in deferred) + text(sql)

    def defer(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a write whose answer nobody reads in front of the next statement (or COMMIT),
        in the same query: one round trip fewer. A failure surfaces there, and the
        transaction fails with it, as it would have here."""
        self.deferred.append((sql, params))

    def _compare(self, check: str, value: Any) -> None:
        """Raise :class:`StaleRead` (remembering ``value``) if the transaction used another."""
        remembered = self._store.remembered
        if remembered[check] != value:
            remembered[check] = value
            raise StaleRead(check)

    def verify_unsent_checks(self) -> None:
        """For a transaction that ran no statement: check its remembered values on their own."""
        for check in self.checks:
            row = self.cursor.execute(self._store._statements.text(check)).fetchone()
            self._compare(check, None if row is None else row[0])

    def remembered_value(self, sql: str) -> Any:
        """``value(sql)``, without a round trip of its own when the transaction has not begun
        and the value was read before: checked with the first statement (module docstring)."""
        remembered = self._store.remembered
        if self.opening and sql in remembered:
            self.checks.append(sql)
            return remembered[sql]
        value = remembered[sql] = self.value(sql)
        return value

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


class PgTransaction:
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
            self._tx = PgTx(store, BEGIN if self._durable else BEGIN_NOT_DURABLE)
        except BaseException:
            store._lock.release()
            raise
        return self._tx

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        tx = self._tx
        try:
            if tx.deferred and exc_type is None:
                try:
                    if tx.opening and tx.checks:
                        tx._run("SELECT 1", ())  # what the writes rest on is checked before anything commits
                    tx._run("COMMIT", ())  # the deferred writes (and BEGIN, if nothing ran yet) go with it
                except BaseException:
                    self._rollback()
                    raise
                self._prepare_pending()
                return
            if tx.opening:  # no statement ran: the transaction never began
                if exc_type is None and tx.checks:
                    tx.verify_unsent_checks()  # what it answered may rest on them
                return
            if exc_type is None:
                try:
                    tx.cursor.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise
            else:
                self._rollback()
            self._prepare_pending()
        finally:
            self._store._lock.release()

    def _prepare_pending(self) -> None:
        statements = self._store._statements
        if statements.pending and not self._tx._conn.closed:
            statements.prepare(self._tx.cursor)  # after the transaction: a failed PREPARE is harmless

    def _rollback(self) -> None:
        conn = self._tx._conn
        if not conn.closed:
            try:
                self._tx.cursor.execute("ROLLBACK")
            except psycopg.OperationalError:
                pass  # the connection is gone; the next transaction opens a new one
