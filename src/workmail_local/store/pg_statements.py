"""The statements a PostgreSQL connection has prepared: planned once, not on every request.

Values are bound client-side (``store/postgres.py``), so PostgreSQL parses and plans every
statement it is sent; for a login's five-table join the planning alone took 1 ms of the
database's CPU, five times its execution. A statement sent often enough is prepared on
the connection (``PREPARE wm<n> AS …`` with ``$n`` parameters) and from then on sent as
``EXECUTE wm<n>(…)`` with its values as literals: PostgreSQL plans it a few times, then
keeps a generic plan when that is no worse (``plan_cache_mode = auto``).

A statement is prepared only outside a transaction (after the one that used it ended), so
a statement PostgreSQL cannot prepare (``? IS NULL``: a parameter of no known type) fails
harmlessly and is sent as it is from then on. So is one whose parameters PostgreSQL
inferred as a type narrower than the schema's (``? + 1`` makes an ``integer``, where the
portable schema's numbers are ``bigint`` and ``double precision``): its literal could
overflow the parameter, where sent as it is it never would.

Prepared statements belong to the database session: a new connection starts with none.
"""

from __future__ import annotations

from typing import Any

import psycopg

from workmail_local.store.sql_text import numbered, translate

#: Uses of a statement before it is prepared: a statement run once (a migration, a rare
#: page filter) is not worth the round trip.
PREPARE_AFTER = 2
#: At most this many statements prepared per connection, and counted before: SQL built
#: with a varying number of placeholders must not grow either without end.
MAX_PREPARED = 2000
MAX_COUNTED = 20000
# The parameter types of a statement that may be prepared: those of the portable
# schema's columns (store/postgres.py: ddl), and of LIMIT, OFFSET and COUNT(*).
_SAFE_TYPES = frozenset({"text", "bigint", "double precision", "bytea", "boolean"})
_PREPARABLE = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class PreparedStatements:
    """One connection's prepared statements: the text each portable statement is sent as."""

    __slots__ = ("_sent", "_uses", "_pending")

    def __init__(self) -> None:
        self._sent: dict[str, str] = {}  # portable SQL → EXECUTE template, or its translation
        self._uses: dict[str, int] = {}
        self._pending: list[str] = []

    def text(self, sql: str) -> str:
        """What to send for ``sql`` (``%s`` placeholders, for the client-side cursor)."""
        sent = self._sent.get(sql)
        if sent is not None:
            return sent
        uses = self._uses.get(sql, 0) + 1
        if uses <= PREPARE_AFTER and len(self._uses) < MAX_COUNTED:
            self._uses[sql] = uses
            if uses == PREPARE_AFTER and len(self._sent) < MAX_PREPARED:
                self._pending.append(sql)
        return translate(sql)

    @property
    def pending(self) -> bool:
        """Whether statements wait to be prepared (:meth:`prepare`)."""
        return bool(self._pending)

    def prepare(self, cursor: Any) -> None:
        """Prepare the statements used often enough; outside any transaction (autocommit)."""
        pending, self._pending = self._pending, []
        for sql in pending:
            try:
                self._sent[sql] = self._prepared(cursor, sql) or translate(sql)
            except psycopg.Error:
                return  # the connection broke: the next transaction opens a new one, with none prepared

    def _prepared(self, cursor: Any, sql: str) -> str | None:
        """The EXECUTE template of ``sql`` once prepared, or None when it is sent as it is."""
        if not sql.lstrip().upper().startswith(_PREPARABLE):
            return None
        name = f"wm{len(self._sent)}"
        text, count = numbered(sql)
        try:
            cursor.execute(f"PREPARE {name} AS {text}")
            types = cursor.execute(
                "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = %s", (name,)).fetchone()[0]
        except psycopg.Error:
            if cursor.connection.broken or cursor.connection.closed:
                raise
            return None  # a parameter of no known type, say: sent as it is
        if not set(types) <= _SAFE_TYPES:
            cursor.execute(f"DEALLOCATE {name}")
            return None
        return f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
