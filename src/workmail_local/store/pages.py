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


# (select, where, order) → the first page's query and a later page's. The queries of a list
# operation are the same on every request (filters change their arguments, not their text),
# so they are built once; the memo is bounded all the same.
_QUERIES: dict[tuple[str, str, tuple[str, ...]], tuple[str, str]] = {}
REMEMBERED_QUERIES = 1024


def _queries(select: str, where: str, order: tuple[str, ...]) -> tuple[str, str]:
    key = (select, where, order)
    queries = _QUERIES.get(key)
    if queries is None:
        columns = ", ".join(order)
        ordered = f" ORDER BY {columns} LIMIT ?"
        after = f" AND ({columns}) > ({', '.join('?' for _ in order)})"
        queries = (f"{select} WHERE {where}{ordered}", f"{select} WHERE {where}{after}{ordered}")
        if len(_QUERIES) >= REMEMBERED_QUERIES:
            _QUERIES.clear()
        _QUERIES[key] = queries
    return queries


def keyset(tx: Tx, select: str, where: str, args: Sequence[Any],
           order: Sequence[str], tuples: bool = False) -> tuple[Fetch, Callable[[Any], list[Any]]]:
    """``(fetch, cursor_of)`` for :func:`workmail_local.protocol.pagination.paginate`.

    ``order`` columns may be qualified (``t.created_at``); a row's cursor reads them by
    their bare names, so the query must select them. ``tuples``: rows are plain tuples
    (``Tx.tuples``) whose last columns are the ``order`` ones, in that order.
    """
    order = tuple(order)
    first, later = _queries(select, where, order)
    read = tx.tuples if tuples else tx.all

    def fetch(after: list[Any] | None, limit: int) -> list[Any]:
        if after is None:
            return read(first, (*args, limit))
        return read(later, (*args, *after, limit))

    if tuples:
        width = len(order)
        return fetch, lambda row: list(row[-width:])
    names = [column.rpartition(".")[2] for column in order]
    return fetch, lambda row: [row[name] for name in names]
