"""What handlers read and write through: :class:`Tx` (one transaction's statements) and
:class:`Row` (a row by column name), the same on every engine (``store/postgres.py``
has its own ``Tx`` with the same methods)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import apsw


class Row(dict):
    """A row readable as ``row["column"]`` and, like ``sqlite3.Row``, as ``row[0]``, on every engine.

    A dict of column → value: reading a column by name is one hash lookup in C, where
    ``sqlite3.Row`` compares the name with each column in turn (its cost grew with the
    table: a users row has 33 columns, and a describe reads most of them)."""

    __slots__ = ()

    def __missing__(self, key: Any) -> Any:
        if key.__class__ is int:
            return list(self.values())[key]  # by position
        raise KeyError(key)


# SQL text → the column names of its result. A statement's columns are fixed once the
# schema is migrated (before any request), so they are read off the cursor once.
_COLUMNS: dict[str, tuple[str, ...]] = {}


def _columns_of(sql: str, cursor: apsw.Cursor) -> tuple[str, ...]:
    """The column names of ``sql``, just executed on ``cursor`` (``()`` when it has no rows
    and was never described). Read before a row is fetched: APSW describes only a statement
    still running."""
    names = _COLUMNS.get(sql)
    if names is None:
        try:
            names = _COLUMNS[sql] = tuple(column[0] for column in cursor.get_description())
        except apsw.ExecutionCompleteError:  # no rows: nothing to name
            return ()
    return names


def _described_again(conn: apsw.Connection, sql: str, params: Sequence[Any]) -> tuple[str, ...]:
    """The names of a statement whose width changed since they were read (``SELECT *``
    across a migration in the same process)."""
    del _COLUMNS[sql]
    return _columns_of(sql, conn.execute(sql, params))


class Tx:
    """One transaction: every statement of one request.

    Every statement runs on one cursor, kept for the connection's life: APSW's
    ``Connection.execute`` makes a cursor per statement, which cost as much as running a
    short one. BEGIN, COMMIT and ROLLBACK go through it too, so a query left unfinished
    (``one`` reads a single row) is reset before its transaction ends and never holds a
    snapshot into the next."""

    __slots__ = ("_conn", "cursor")

    def __init__(self, conn: apsw.Connection) -> None:
        self._conn = conn
        self.cursor = conn.cursor()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or ``None``."""
        cursor = self.cursor.execute(sql, params)
        names = _columns_of(sql, cursor)
        row = cursor.fetchone()
        if row is None:
            return None
        if len(names) != len(row):
            names = _described_again(self._conn, sql, params)
        return Row(zip(names, row))

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        cursor = self.cursor.execute(sql, params)
        names = _columns_of(sql, cursor)
        rows = cursor.fetchall()
        if not rows:
            return rows
        if len(names) != len(rows[0]):
            names = _described_again(self._conn, sql, params)
        return [Row(zip(names, row)) for row in rows]

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or ``None``."""
        row = self.cursor.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def defer(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A write whose answer (row count) nobody reads. Here it runs at once; PostgreSQL
        sends it with the transaction's next statement or its COMMIT, saving a round trip
        (``store/pg_transactions.py``). Only for statements no caller catches errors of:
        a failure surfaces at that later statement."""
        self.cursor.execute(sql, params)

    def remembered_value(self, sql: str) -> Any:
        """``value(sql)`` for a parameterless query whose answer seldom changes (the clock
        offset, read at the start of every transaction of a shared database). Here a
        plain read; PostgreSQL saves it its round trip (``store/postgres.py``)."""
        return self.value(sql)

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query as a plain tuple, for callers that read columns by position
        (a list page maps each row to its summary in one step)."""
        return self.cursor.execute(sql, params).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        self.cursor.execute(sql, params)
        return self._conn.changes()
