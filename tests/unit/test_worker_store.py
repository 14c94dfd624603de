"""The SQLite store of ``serve --workers``: a lost race is run again with the write lock
taken first, the parent's claim outlives its connection, the workers see the clock others
set, and processes starting at once agree on one secrets key."""

from __future__ import annotations

import threading
from pathlib import Path

import apsw
import orjson
import pytest

from workmail_local.app import App
from workmail_local.config import Settings
from workmail_local.sealed import SecretBox
from workmail_local.store import Store, StoreInUseError, Tx
from workmail_local.store.engine import open_store
from workmail_local.store.workers import WorkerStore


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A migrated database whose claim this test holds, as the parent does."""
    parent = Store(tmp_path / "workmail-local.sqlite3")
    claim = parent.close_keeping_claim()
    yield tmp_path / "workmail-local.sqlite3"
    assert claim is not None
    claim.close()


def test_a_write_after_another_workers_commit_runs_again_and_sees_it(path: Path) -> None:
    mine, other = WorkerStore(path), WorkerStore(path)
    runs: list[int] = []

    def count_then_write(tx: Tx) -> int:
        seen = tx.value("SELECT COUNT(*) FROM meta WHERE key LIKE 'row-%'")
        runs.append(seen)
        if len(runs) == 1:  # between this read and the write below, another worker commits
            other.run(lambda t: t.execute("INSERT INTO meta (key, value) VALUES ('row-other', '')"))
        tx.execute("INSERT INTO meta (key, value) VALUES (?, '')", (f"row-{seen}",))
        return seen

    # The first run read a snapshot without the other row, and SQLite refused its write
    # (SQLITE_BUSY_SNAPSHOT); the second run, under BEGIN IMMEDIATE, counted it.
    assert mine.run(count_then_write) == 1
    assert runs == [0, 1]
    assert sorted(mine.run(lambda tx: [r[0] for r in tx.all("SELECT key FROM meta WHERE key LIKE 'row-%'")])) == [
        "row-1", "row-other"]
    mine.close()
    other.close()


def test_a_real_fault_is_not_run_again(path: Path) -> None:
    store = WorkerStore(path)
    runs: list[int] = []

    def duplicate(tx: Tx) -> None:
        runs.append(1)
        tx.execute("INSERT INTO meta (key, value) VALUES ('same', '')")
        tx.execute("INSERT INTO meta (key, value) VALUES ('same', '')")

    with pytest.raises(apsw.ConstraintError):
        store.run(duplicate)
    assert runs == [1]
    store.close()


def test_the_claim_outlives_the_parents_connection(tmp_path: Path) -> None:
    parent = Store(tmp_path / "db.sqlite3")
    claim = parent.close_keeping_claim()
    assert claim is not None
    with pytest.raises(StoreInUseError):
        Store(tmp_path / "db.sqlite3")
    worker = WorkerStore(tmp_path / "db.sqlite3")  # workers open it without claiming
    assert worker.shared and worker.run(lambda tx: tx.value("SELECT 1")) == 1
    worker.close()
    claim.close()
    Store(tmp_path / "db.sqlite3").close()  # released with the last holder
    assert Store(None).close_keeping_claim() is None


def test_open_store_gives_workers_the_shared_sqlite_store(path: Path) -> None:
    store = open_store(path.parent, worker=True)
    assert isinstance(store, WorkerStore) and store.path == path
    store.close()


def test_a_worker_reads_the_clock_another_worker_set(path: Path) -> None:
    settings = Settings(data_dir=path.parent)
    first, second = App(settings, WorkerStore(path)), App(settings, WorkerStore(path))
    assert first.handle_control("POST", "/_workmail-local/clock", {}, b'{"advance_seconds": 600}')[0] == 200
    status, payload, _ = second.handle_control("GET", "/_workmail-local/clock", {}, b"")
    assert status == 200 and orjson.loads(payload)["offset_seconds"] == 600
    assert first.tokens.secret == second.tokens.secret  # one page-token secret for all
    first.store.close()
    second.store.close()


def test_health_says_starting_until_every_worker_serves() -> None:
    app = App(Settings(in_memory=True))
    app.ready = False
    status, payload, _ = app.handle_control("GET", "/_workmail-local/health", {}, b"")
    assert (status, orjson.loads(payload)["status"]) == (503, "starting")
    app.ready = True
    status, payload, _ = app.handle_control("GET", "/_workmail-local/health", {}, b"")
    assert (status, orjson.loads(payload)["status"]) == (200, "ok")


def test_processes_making_the_key_file_at_once_agree_on_one_key(tmp_path: Path) -> None:
    for round_ in range(20):
        key_file = tmp_path / f"secrets-{round_}.key"
        keys: list[bytes] = []
        barrier = threading.Barrier(4)

        def make(key_file: Path = key_file) -> None:
            barrier.wait()
            keys.append(SecretBox.from_file(key_file).key)

        threads = [threading.Thread(target=make) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(keys) == 4 and len(set(keys)) == 1
        assert key_file.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"secrets-{i}.key" for i in range(20))
