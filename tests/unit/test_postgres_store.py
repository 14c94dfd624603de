"""The PostgreSQL engine: SQL translation, rows, types, migrations, wipe, and the
serializable transactions that make check-then-insert safe across processes.

The translation tests need nothing; the others need ``WORKMAIL_LOCAL_TEST_DATABASE_URL``
(skipped without it, a failure in CI). Each test works in its own PostgreSQL schema.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from workmail_local.store.migrations import MIGRATIONS  # noqa: E402
from workmail_local.store.postgres import PostgresStore, ddl, redacted, translate  # noqa: E402
from workmail_local.store.sql_text import numbered  # noqa: E402

from tests.unit.conftest import DATABASE_URL  # noqa: E402


def test_placeholders_and_percent_signs_are_translated() -> None:
    assert translate("SELECT * FROM t WHERE a = ? AND b LIKE 'x%' AND c = ?") == \
        "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%' AND c = %s"
    assert translate("SELECT '?' || ?, \"odd?name\" FROM t") == "SELECT '?' || %s, \"odd?name\" FROM t"
    assert translate("SELECT 1") == "SELECT 1"


def test_placeholders_are_numbered_for_prepare() -> None:
    assert numbered("SELECT * FROM t WHERE a = ? AND b LIKE 'x%?' AND c = ?") == \
        ("SELECT * FROM t WHERE a = $1 AND b LIKE 'x%?' AND c = $2", 2)
    assert numbered("SELECT 1") == ("SELECT 1", 0)


def test_types_are_widened_for_postgresql() -> None:
    assert ddl("CREATE TABLE t (a REAL NOT NULL, b INTEGER, c TEXT, realm TEXT)") == \
        'CREATE TABLE t (a DOUBLE PRECISION NOT NULL, b BIGINT, c TEXT COLLATE "C", realm TEXT COLLATE "C")'


def test_the_password_is_left_out_of_the_printed_url() -> None:
    assert redacted("postgresql://wm:s3cret@db.example:5433/wm") == "postgresql://wm@db.example:5433/wm"
    assert redacted("postgresql://db.example/wm") == "postgresql://db.example/wm"


def test_migrations_run_once_even_when_processes_start_together(url: str) -> None:
    stores: list[Any] = [None] * 4

    def open_one(i: int) -> None:
        stores[i] = PostgresStore(url)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(s, PostgresStore) for s in stores)
    with stores[0].transaction() as tx:
        assert [r["id"] for r in tx.all("SELECT id FROM schema_migrations ORDER BY id")] == sorted(MIGRATIONS)
        assert tx.value("SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
                        " AND table_name = 'organizations' AND column_name = 'created_at'") == "double precision"
        assert tx.value("SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema()"
                        " AND table_name = 'organizations' AND column_name = 'alias'") == "C"
    for s in stores:
        assert s.migrate() == []
        s.close()


def test_rows_read_by_name_and_position(store: PostgresStore) -> None:
    with store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("k", "100%"))
        row = tx.one("SELECT key, value FROM meta WHERE key = ? AND value LIKE '%\\%'", ("k",))
        assert row is not None and row["key"] == row[0] == "k" and row["value"] == row[1] == "100%"
        # A row is a dict of column → value (as on SQLite), readable by position too.
        assert list(row.keys()) == ["key", "value"] and tuple(row.values()) == ("k", "100%")
        assert tx.value("SELECT value FROM meta WHERE key = ? OR ? IS NULL", ("nothing", None)) == "100%"


def test_text_is_ordered_by_code_point_as_in_sqlite(store: PostgresStore) -> None:
    keys = ["b", "B", "a-b", "ab", "A", "é", "_"]
    with store.transaction() as tx:
        for key in keys:
            tx.execute("INSERT INTO meta (key, value) VALUES (?, '')", (key,))
        assert [r["key"] for r in tx.all("SELECT key FROM meta ORDER BY key")] == sorted(keys)


def test_booleans_and_timestamps_keep_their_values(store: PostgresStore) -> None:
    now = 1795864133.926
    with store.transaction() as tx:
        tx.execute("INSERT INTO organizations (id, account, region, alias, directory_id, directory_type,"
                   " default_mail_domain, interoperability, created_at, active_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   ("m-1", "123456789012", "us-east-1", "a", "d-1", "WorkMail", "a.example", True, now, now))
        row = tx.one("SELECT interoperability, created_at FROM organizations WHERE interoperability = ?", (True,))
    assert row is not None and row["interoperability"] == 1 and row["created_at"] == now


def test_wipe_empties_every_table_despite_foreign_keys(store: PostgresStore) -> None:
    with store.transaction() as tx:
        tx.execute("INSERT INTO organizations (id, account, region, alias, directory_id, directory_type,"
                   " default_mail_domain, interoperability, created_at, active_at)"
                   " VALUES ('m-1', 'a', 'r', 'x', 'd', 't', 'x.example', 0, 0, 0)")
        tx.execute("INSERT INTO mail_domains (organization_id, domain, is_test, is_default, created_at)"
                   " VALUES ('m-1', 'x.example', 1, 1, 0)")
    assert "organizations" in store.tables() and "schema_migrations" not in store.tables()
    with store.transaction() as tx:
        store.wipe(tx)
    with store.transaction() as tx:
        assert tx.value("SELECT COUNT(*) FROM organizations") == 0
        assert tx.value("SELECT COUNT(*) FROM mail_domains") == 0
        assert tx.value("SELECT COUNT(*) FROM schema_migrations") == len(MIGRATIONS)


def _claim_alias(tx: Any, alias: str, org_id: str) -> bool:
    """A handler's check-then-insert: False when the alias is taken."""
    if tx.value("SELECT COUNT(*) FROM organizations WHERE alias = ?", (alias,)):
        return False
    tx.execute("INSERT INTO organizations (id, account, region, alias, directory_id, directory_type,"
               " default_mail_domain, interoperability, created_at, active_at)"
               " VALUES (?, 'a', 'r', ?, 'd', 't', 'x.example', 0, 0, 0)", (org_id, alias))
    return True


def test_a_check_then_insert_race_is_caught_and_rerun(url: str) -> None:
    first, second = PostgresStore(url), PostgresStore(url)
    attempts = []

    def work(tx: Any) -> bool:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            # Both check before either inserts: the other process commits in between.
            tx.value("SELECT COUNT(*) FROM organizations WHERE alias = ?", ("acme",))
            with second.transaction() as other:
                assert _claim_alias(other, "acme", "m-2")
        return _claim_alias(tx, "acme", "m-1")

    try:
        assert first.run(work) is False  # the second attempt sees the other's row
        assert attempts == [1, 2]
        with first.transaction() as tx:
            assert [r["id"] for r in tx.all("SELECT id FROM organizations WHERE alias = 'acme'")] == ["m-2"]
    finally:
        first.close()
        second.close()


def test_without_a_rerun_the_loser_fails_rather_than_inserting_a_duplicate(url: str) -> None:
    first, second = PostgresStore(url), PostgresStore(url)
    try:
        with pytest.raises(psycopg.errors.SerializationFailure), first.transaction() as tx:
            tx.value("SELECT COUNT(*) FROM organizations WHERE alias = ?", ("acme",))
            with second.transaction() as other:
                assert _claim_alias(other, "acme", "m-2")
            tx.execute("INSERT INTO organizations (id, account, region, alias, directory_id, directory_type,"
                       " default_mail_domain, interoperability, created_at, active_at)"
                       " VALUES ('m-1', 'a', 'r', 'acme', 'd', 't', 'x.example', 0, 0, 0)")
        with first.transaction() as tx:  # the store is usable after the failure
            assert tx.value("SELECT COUNT(*) FROM organizations WHERE alias = 'acme'") == 1
    finally:
        first.close()
        second.close()


def test_non_durable_transactions_skip_the_flush_for_themselves_only(store: PostgresStore) -> None:
    with store.transaction(durable=False) as tx:
        assert tx.value("SHOW synchronous_commit") == "off"
    with store.transaction() as tx:
        assert tx.value("SHOW synchronous_commit") == "on"


def test_begin_travels_with_the_first_statement_and_an_empty_transaction_never_begins(store: PostgresStore) -> None:
    with store.transaction() as tx:
        pass  # nothing ran: nothing to commit, and no warning about a missing transaction
    with store.transaction() as tx:
        assert tx.value("SELECT current_setting('transaction_isolation')") == "serializable"
        assert tx.value("SELECT now() = statement_timestamp()") is False  # inside BEGIN … COMMIT
        tx.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
    with pytest.raises(psycopg.errors.UniqueViolation), store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('b', '1')")  # rolled back with the next one
        tx.execute("INSERT INTO meta (key, value) VALUES ('a', '2')")
    with store.transaction() as tx:
        assert [r["key"] for r in tx.all("SELECT key FROM meta WHERE key IN ('a', 'b')")] == ["a"]


def test_a_connection_the_database_dropped_is_opened_again(store: PostgresStore) -> None:
    with store.transaction() as tx:
        backend = tx.value("SELECT pg_backend_pid()")
    with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    with store.transaction() as tx:
        assert tx.value("SELECT pg_backend_pid()") != backend


def _sent(store: PostgresStore, sql: str) -> str:
    """What the store sends for ``sql`` once it has decided (prepared or not), else ``""``."""
    return store._statements._sent.get(sql, "")


def test_a_statement_used_again_is_prepared_and_answers_the_same(store: PostgresStore) -> None:
    sql = "SELECT key, value FROM meta WHERE key = ? AND value LIKE '1%'"
    with store.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('p', '100%')")
    answers = []
    for _ in range(4):
        with store.transaction() as tx:
            answers.append(tx.one(sql, ("p",)))
    assert answers == [{"key": "p", "value": "100%"}] * 4
    assert _sent(store, sql).startswith("EXECUTE wm")
    with store.transaction() as tx:
        assert tx.value("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%key = $1%'") == 1


def test_statements_postgresql_cannot_type_or_would_narrow_are_sent_as_they_are(store: PostgresStore) -> None:
    untyped = "SELECT value FROM meta WHERE key = ? OR ? IS NULL"
    narrowed = "SELECT ? + 1 AS n"  # the parameter would be an integer: 2**40 does not fit
    for _ in range(3):
        with store.transaction() as tx:
            assert tx.value(untyped, ("nothing", None)) == tx.value("SELECT value FROM meta LIMIT 1")
            assert tx.value(narrowed, (2**40,)) == 2**40 + 1
    assert _sent(store, untyped) == translate(untyped)
    assert _sent(store, narrowed) == translate(narrowed)


def test_a_new_connection_prepares_its_statements_again(store: PostgresStore) -> None:
    sql = "SELECT pg_backend_pid() WHERE 'x' = ?"
    for _ in range(3):
        with store.transaction() as tx:
            backend = tx.value(sql, ('x',))
    assert _sent(store, sql).startswith("EXECUTE")
    with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    with store.transaction() as tx:  # the prepared statement is gone with its session
        assert tx.value(sql, ('x',)) != backend
