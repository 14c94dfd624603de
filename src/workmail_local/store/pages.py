"""Keyset pages of a query: the SQL half of the shared pagination helper.

A list operation names its query (``SELECT … FROM …``), its filter and the columns that
order it (unique together, the last usually an ID); a page is the rows after the
previous page's last row, found through the index rather than by skipping an offset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workmail_local.store.rows import Row, Tx

Fetch = Callable[[list[Any] | None, int], list[Row]]


def keyset(tx: Tx, select: str, where: str, args: Sequence[Any],
           order: Sequence[str], tuples: bool = False) -> tuple[Fetch, Callable[[Any], list[Any]]]:
    """``(fetch, cursor_of)`` for :func:`workmail_local.protocol.pagination.paginate`.

    ``order`` columns may be qualified (``t.created_at``); a row's cursor reads them by
    their bare names, so the query must select them. ``tuples``: rows are plain tuples
    (``Tx.tuples``) whose last columns are the ``order`` ones, in that order.
    """
    columns = ", ".join(order)
    after_sql = f" AND ({columns}) > ({', '.join('?' for _ in order)})"
    ordered = f" ORDER BY {columns} LIMIT ?"
    names = [column.rpartition(".")[2] for column in order]
    read = tx.tuples if tuples else tx.all
    width = len(order)

    def fetch(after: list[Any] | None, limit: int) -> list[Any]:
        if after is None:
            return read(f"{select} WHERE {where}{ordered}", (*args, limit))
        return read(f"{select} WHERE {where}{after_sql}{ordered}", (*args, *after, limit))

    def cursor_of(row: Row) -> list[Any]:
        return [row[name] for name in names]

    def cursor_of_tuple(row: tuple[Any, ...]) -> list[Any]:
        return list(row[-width:])

    return fetch, cursor_of_tuple if tuples else cursor_of
