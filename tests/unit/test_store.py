"""The store engine: transactions, durability modes, migrations, one server per database."""

from __future__ import annotations

import sqlite3

import apsw
import pytest

from workmail_local.store import Store, StoreInUseError
from workmail_local.store.migrations import MIGRATIONS


def test_commit_and_rollback(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    with store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
        raise RuntimeError("undo")
    with store.transaction() as tx:
        assert [r["key"] for r in tx.all("SELECT key FROM meta ORDER BY key")] == ["a"]
    store.close()


def test_a_failed_commit_is_rolled_back_and_the_store_stays_usable(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    with pytest.raises(apsw.ConstraintError), store.transaction() as tx:
        tx.execute("PRAGMA defer_foreign_keys=ON")
        tx.execute("INSERT INTO mail_domains (organization_id, domain, is_test, is_default, created_at)"
                   " VALUES ('m-nobody', 'x.example', 0, 0, 0)")  # the organization does not exist
    with store.transaction() as tx:
        assert tx.value("SELECT COUNT(*) FROM mail_domains") == 0
    store.close()


def test_non_durable_transactions_commit_and_restore_full_sync(tmp_path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    with store.transaction(durable=False) as tx:
        assert tx.value("PRAGMA synchronous") == 1  # NORMAL
        tx.execute("INSERT INTO meta (key, value) VALUES ('seen', 'yes')")
    with store.transaction(durable=False) as tx:
        assert tx.value("PRAGMA synchronous") == 1  # still NORMAL: a run of logins switches nothing
    with store.transaction() as tx:
        assert tx.value("PRAGMA synchronous") == 2  # FULL again before any durable write
    with sqlite3.connect(path) as other:  # committed: visible to another connection
        assert other.execute("SELECT value FROM meta WHERE key = 'seen'").fetchone() == ("yes",)
    store.close()


def test_migrations_run_once_in_order(tmp_path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    assert store.migrate() == []  # all applied at open
    store.close()
    store = Store(tmp_path / "db.sqlite3")
    with store.transaction() as tx:
        applied = [r["id"] for r in tx.all("SELECT id FROM schema_migrations ORDER BY id")]
    assert applied == sorted(MIGRATIONS) and applied[0] == "m0001_foundation"
    store.close()


def test_one_store_per_database_file(tmp_path) -> None:
    first = Store(tmp_path / "db.sqlite3")
    with pytest.raises(StoreInUseError, match="is in use by another process"):
        Store(tmp_path / "db.sqlite3")
    first.close()
    Store(tmp_path / "db.sqlite3").close()  # free again once closed


def test_in_memory_stores_are_independent() -> None:
    a, b = Store(None), Store(None)
    with a.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('only', 'a')")
    with b.transaction() as tx:
        assert tx.value("SELECT COUNT(*) FROM meta") == 0
    assert a.location.startswith("memory")


def test_rows_are_named_by_their_columns_and_renamed_when_a_statement_widens() -> None:
    store = Store(None)
    with store.transaction() as tx:
        tx.execute("CREATE TABLE widening (a TEXT)")
        assert tx.one("SELECT * FROM widening") is None  # no rows: nothing to name, nothing remembered
        assert tx.all("SELECT * FROM widening") == []
        assert tx.execute("INSERT INTO widening (a) VALUES ('x'), ('y')") == 2
        assert tx.one("SELECT * FROM widening ORDER BY a") == {"a": "x"}
        assert tx.all("SELECT * FROM widening ORDER BY a") == [{"a": "x"}, {"a": "y"}]
        assert tx.value("SELECT a FROM widening ORDER BY a DESC") == "y"
        assert tx.tuples("SELECT a FROM widening ORDER BY a") == [("x",), ("y",)]
        # The same SQL text now has two columns (a migration in the same process).
        tx.execute("ALTER TABLE widening ADD COLUMN b INTEGER DEFAULT 7")
        assert tx.one("SELECT * FROM widening ORDER BY a") == {"a": "x", "b": 7}
        assert tx.all("SELECT * FROM widening ORDER BY a") == [{"a": "x", "b": 7}, {"a": "y", "b": 7}]
        assert tx.one("SELECT * FROM widening ORDER BY a")[1] == 7  # by position too
        assert tx.execute("UPDATE widening SET b = 8 WHERE a = 'none'") == 0
    store.close()


def test_plans_do_not_depend_on_bound_values() -> None:
    # APSW's SQLite has STAT4: without the query planner stability guarantee, a statement
    # comparing a bound value with an indexed column is prepared again on every new binding.
    store = Store(None)
    assert store._conn.config(apsw.SQLITE_DBCONFIG_ENABLE_QPSG, -1) == 1
    store.close()
