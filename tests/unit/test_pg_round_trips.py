"""PostgreSQL transactions' round trips (``store/pg_transactions.py``): the clock offset every
transaction reads costs no round trip of its own, and a value another process changed is
never used: the transaction that used the old one runs again and sees the new one.
Deferred writes go with the next statement or the COMMIT, and fail the transaction as
their own statements would.

Needs ``WORKMAIL_LOCAL_TEST_DATABASE_URL`` (skipped without it, a failure in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from workmail_local.store.pg_transactions import StaleRead  # noqa: E402
from workmail_local.store.postgres import PostgresStore  # noqa: E402

Pair = tuple[PostgresStore, PostgresStore]
OFFSET = "SELECT value FROM meta WHERE key = 'clock_offset'"


def _set_offset(store: PostgresStore, value: str) -> None:
    with store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('clock_offset', ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (value,))


@pytest.fixture
def pair(url: str) -> Iterator[Pair]:
    """Two processes' stores on one database."""
    first, second = PostgresStore(url), PostgresStore(url)
    yield first, second
    first.close()
    second.close()


class Queries:
    """Counts the queries (round trips) a store's connection sends."""

    def __init__(self, store: PostgresStore) -> None:
        self.sent: list[str] = []
        cursor = store._cursor
        execute = cursor.execute

        def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
            self.sent.append(str(query))
            return execute(query, *args, **kwargs)

        cursor.execute = counted


def test_a_remembered_value_travels_with_the_first_statement(store: PostgresStore) -> None:
    _set_offset(store, "60.0")
    queries = Queries(store)
    with store.transaction() as tx:
        assert tx.remembered_value(OFFSET) == "60.0"  # first read: a query of its own
    assert len(queries.sent) == 2 and "clock_offset" in queries.sent[0]  # and COMMIT
    for _ in range(3):  # the statements used again are prepared after a transaction: not counted below
        with store.transaction() as tx:
            assert tx.remembered_value(OFFSET) == "60.0"
            assert tx.value("SELECT 1 + 1") == 2
    queries.sent.clear()
    with store.transaction() as tx:
        assert tx.remembered_value(OFFSET) == "60.0"
        assert tx.value("SELECT 1 + 1") == 2
    # BEGIN, the offset's check and the statement in one query; then COMMIT.
    assert len(queries.sent) == 2 and queries.sent[1] == "COMMIT"
    assert queries.sent[0].startswith("BEGIN ISOLATION LEVEL SERIALIZABLE; ") and queries.sent[0].count(";") == 2


def test_a_value_another_process_changed_makes_the_transaction_run_again(pair: Pair) -> None:
    first, second = pair
    _set_offset(first, "60.0")
    with first.transaction() as tx:
        tx.remembered_value(OFFSET)
    _set_offset(second, "120.0")  # another process moves the clock
    seen = []

    def work(tx: Any) -> Any:
        offset = tx.remembered_value(OFFSET)
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"used-{len(seen)}", offset))
        seen.append(offset)
        return offset

    assert first.run(work) == "120.0"
    assert seen == ["120.0"]  # the statement never answered the run that assumed 60.0
    with first.transaction() as tx:  # and the first run's insert was rolled back with it
        assert tx.all("SELECT key, value FROM meta WHERE key LIKE 'used-%'") == [
            {"key": "used-0", "value": "120.0"}]


def test_without_a_rerun_the_stale_value_is_an_error_not_an_answer(pair: Pair) -> None:
    first, second = pair
    with first.transaction() as tx:
        assert tx.remembered_value(OFFSET) is None
    _set_offset(second, "5.0")
    with pytest.raises(StaleRead), first.transaction() as tx:
        assert tx.remembered_value(OFFSET) is None  # assumed, not yet checked
        tx.value("SELECT 1")  # checked here: raises before its answer is used
    with first.transaction() as tx:
        assert tx.remembered_value(OFFSET) == "5.0"


def test_a_transaction_that_runs_no_statement_still_checks_what_it_used(pair: Pair) -> None:
    first, second = pair
    _set_offset(first, "1.0")
    assert first.run(lambda tx: tx.remembered_value(OFFSET)) == "1.0"
    _set_offset(second, "2.0")
    assert first.run(lambda tx: tx.remembered_value(OFFSET)) == "2.0"  # checked on its own, run again
    with second.transaction() as tx:
        tx.execute("DELETE FROM meta WHERE key = 'clock_offset'")  # a reset
    assert first.run(lambda tx: tx.remembered_value(OFFSET)) is None


def test_deferred_writes_travel_with_the_next_statement(store: PostgresStore) -> None:
    for _ in range(3):  # prepared after a transaction: not counted below
        with store.transaction() as tx:
            tx.defer("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ("d", "1"))
            assert tx.value("SELECT value FROM meta WHERE key = ?", ("d",)) == "1"  # sees the write
    queries = Queries(store)
    with store.transaction() as tx:
        tx.value("SELECT 1")
        tx.defer("UPDATE meta SET value = ? WHERE key = ?", ("2", "d"))
        tx.defer("UPDATE meta SET value = value || ? WHERE key = ?", ("3", "d"))
        assert tx.value("SELECT value FROM meta WHERE key = ?", ("d",)) == "23"  # in order, before it
    assert len(queries.sent) == 3  # BEGIN+SELECT 1; both writes+SELECT; COMMIT


def test_deferred_writes_alone_commit_with_the_commit(store: PostgresStore) -> None:
    queries = Queries(store)
    with store.transaction() as tx:
        tx.defer("INSERT INTO meta (key, value) VALUES (?, ?)", ("only", "x"))
    assert len(queries.sent) == 1 and queries.sent[0].startswith("BEGIN") and queries.sent[0].endswith("COMMIT")
    with store.transaction() as tx:
        assert tx.value("SELECT value FROM meta WHERE key = 'only'") == "x"
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.defer("INSERT INTO meta (key, value) VALUES (?, ?)", ("never", "x"))
        raise RuntimeError("the handler failed")  # nothing was sent: nothing to undo
    with store.transaction() as tx:
        assert tx.value("SELECT count(*) FROM meta WHERE key = 'never'") == 0


def test_a_deferred_write_that_fails_fails_the_transaction(store: PostgresStore) -> None:
    with pytest.raises(psycopg.errors.UniqueViolation), store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('twice', '1')")
        tx.defer("INSERT INTO meta (key, value) VALUES ('twice', '2')")
    with store.transaction() as tx:
        assert tx.value("SELECT count(*) FROM meta WHERE key = 'twice'") == 0  # rolled back, first insert too


def test_deferred_writes_never_commit_on_a_stale_value(pair: Pair) -> None:
    first, second = pair
    _set_offset(first, "1.0")
    with first.transaction() as tx:
        tx.remembered_value(OFFSET)
    _set_offset(second, "2.0")

    def work(tx: Any) -> None:
        tx.defer("INSERT INTO meta (key, value) VALUES (?, ?)", (f"at-{tx.remembered_value(OFFSET)}", "x"))

    first.run(work)
    with first.transaction() as tx:
        assert [r["key"] for r in tx.all("SELECT key FROM meta WHERE key LIKE 'at-%'")] == ["at-2.0"]
