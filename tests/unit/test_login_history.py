"""The login activity keeps the newest N attempts per organization (and N for nobody's),
on SQLite and on PostgreSQL (where its writes travel with the count's read: ``Tx.defer``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from workmail_local.mailbox_auth import logins
from workmail_local.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An in-memory SQLite store, or the PostgreSQL one of ``tests/unit/conftest.py``."""
    if request.param == "postgresql":
        yield request.getfixturevalue("store")
        return
    sqlite = open_store(None, in_memory=True)
    yield sqlite
    sqlite.close()


def _record(tx, n: int, org: str | None) -> None:  # noqa: ANN001
    logins.record(tx, float(n), f"user{n}", "IMAP", None, n % 2 == 0, org, None, "DIRECTORY_PASSWORD", "R")


def test_the_newest_are_kept_per_organization_and_a_lower_limit_applies_at_once(store: Any) -> None:
    def work(tx) -> None:  # noqa: ANN001
        logins.set_history(tx, 3)
        for n in range(6):
            _record(tx, n, "m-a")
        _record(tx, 100, "m-b")
        for n in range(200, 205):
            _record(tx, n, None)
        assert [r["username"] for r in logins.page(tx, "m-a", None, None, None, 10)] == ["user5", "user4", "user3"]
        assert [r["username"] for r in logins.page(tx, "m-b", None, None, None, 10)] == ["user100"]
        nobody = tx.all("SELECT username FROM mailbox_logins WHERE organization_id IS NULL ORDER BY seq DESC")
        assert [r["username"] for r in nobody] == ["user204", "user203", "user202"]
        logins.set_history(tx, 1)
        _record(tx, 6, "m-a")
        assert [r["username"] for r in logins.page(tx, "m-a", None, None, None, 10)] == ["user6"]
        assert [r["result"] for r in logins.page(tx, None, None, "ALLOWED", None, 10)][:1] == ["ALLOWED"]
        # An allowed attempt has no reason, whatever the caller passed.
        assert logins.page(tx, "m-a", None, None, None, 1)[0]["reason"] is None

    store.run(work)


def test_a_limit_of_100_or_more_drops_the_oldest_in_batches_of_one_percent(store: Any) -> None:
    def work(tx) -> list[int]:  # noqa: ANN001
        logins.set_history(tx, 200)
        counts = []
        for n in range(1, 451):
            _record(tx, n, "m-a")
            counts.append(len(logins.page(tx, "m-a", None, None, None, 1000)))
        newest = [r["username"] for r in logins.page(tx, "m-a", None, None, None, 1000)]
        assert newest[0] == "user450" and newest == [f"user{n}" for n in range(450, 450 - len(newest), -1)]
        return counts

    counts = store.run(work)
    # Up to the limit plus 1% (202), then back to the limit: never fewer than the limit once reached.
    assert max(counts) == 202 and min(counts[199:]) == 200
    assert counts[202] == 200  # the 203rd login dropped the oldest three at once
