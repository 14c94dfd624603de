"""Rows on the SQLite engine: a dict of column → value, readable by position too."""

from __future__ import annotations

import pytest

from workmail_local.store import open_store


def test_rows_are_read_by_name_and_by_position_and_lists_as_tuples() -> None:
    store = open_store(None, in_memory=True)

    def work(tx) -> None:  # noqa: ANN001
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)", ("a", "1", "b", "2"))
        row = tx.one("SELECT key, value FROM meta WHERE key = ?", ("a",))
        assert row["key"] == row[0] == "a" and row["value"] == row[1] == "1"
        assert list(row.keys()) == ["key", "value"] and dict(row) == {"key": "a", "value": "1"}
        with pytest.raises(KeyError):
            row["nothing"]
        rows = tx.all("SELECT key, value FROM meta WHERE key IN ('a', 'b') ORDER BY key")
        assert [r["value"] for r in rows] == ["1", "2"]
        assert tx.tuples("SELECT key, value FROM meta WHERE key IN ('a', 'b') ORDER BY key") == [("a", "1"), ("b", "2")]
        assert tx.one("SELECT key FROM meta WHERE key = ?", ("zzz",)) is None
        assert tx.all("SELECT key FROM meta WHERE key = ?", ("zzz",)) == []

    store.run(work)
    store.close()
