"""Group commit (store/durability.py): durable commits of requests share one fsync of the
write-ahead log, and no answer is sent while a commit it may have seen is unsynced."""

from __future__ import annotations

import asyncio
import errno
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import orjson
import pytest
import uvicorn

from workmail_local.app import App
from workmail_local.config import Settings
from workmail_local.connections import BoundedHttpProtocol
from workmail_local.store import durability
from workmail_local.store.durability import ARRIVALS, NEVER
from workmail_local.store.engine import Store
from workmail_local.store.workers import WorkerStore

REAL_FDATASYNC = os.fdatasync


class Disk:
    """os.fdatasync of the durability module, recorded in order with the answers sent."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.fail: OSError | None = None

    def fdatasync(self, fd: int) -> None:
        if self.fail is not None:
            raise self.fail
        REAL_FDATASYNC(fd)
        self.events.append("fsync")


@pytest.fixture
def events() -> list[str]:
    return []


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch, events: list[str]) -> Disk:
    recorder = Disk(events)
    monkeypatch.setattr(durability.os, "fdatasync", recorder.fdatasync)
    return recorder


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    application = App(Settings(data_dir=tmp_path))
    application.access_log.stream = io.StringIO()
    yield application
    application.store.close()


def aws(app: App, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """One call outside any request (as start-up and background threads make them)."""
    status, payload, _ = app.handle_aws("POST", "/", {b"x-amz-target": b"WorkMailService." + operation.encode()},
                                        orjson.dumps(body))
    assert status == 200, payload
    return orjson.loads(payload)


async def request(app: App, events: list[str], label: str, operation: str, body: dict[str, Any]) -> tuple[int, Any]:
    """One request through the ASGI app; its answer's start is recorded as ``label``."""
    data = orjson.dumps(body)
    scope = {"type": "http", "method": "POST", "path": "/", "raw_path": b"/", "query_string": b"",
             "headers": [(b"x-amz-target", b"WorkMailService." + operation.encode()),
                         (b"content-length", str(len(data)).encode())]}
    answer: dict[str, Any] = {}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            events.append(label)
            answer["status"] = message["status"]
        else:
            answer["body"] = orjson.loads(message["body"])

    await app(scope, receive, send)
    return answer["status"], answer["body"]


@pytest.fixture
def organization(app: App) -> str:
    return aws(app, "CreateOrganization", {"Alias": "group-commit"})["OrganizationId"]


def create_user(app: App, events: list[str], organization: str, n: int) -> Any:
    return request(app, events, f"user-{n}", "CreateUser",
                   {"OrganizationId": organization, "Name": f"user-{n}", "DisplayName": f"User {n}"})


def test_the_writes_of_one_turn_of_the_loop_share_one_fsync(
        app: App, organization: str, disk: Disk, events: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ARRIVALS, "unanswered", 8)  # as the HTTP protocol counts 8 requests arrived

    async def main() -> list[tuple[int, Any]]:
        return await asyncio.gather(*(create_user(app, events, organization, n) for n in range(8)))

    answers = asyncio.run(main())
    assert [status for status, _ in answers] == [200] * 8
    assert events[0] == "fsync" and events.count("fsync") == 1  # one sync, before any answer
    assert sorted(events[1:]) == sorted(f"user-{n}" for n in range(8))
    assert app.store.group_commit.synced == app.store.group_commit.committed == 8
    users = aws(app, "ListUsers", {"OrganizationId": organization, "MaxResults": 100})["Users"]
    assert {u["Name"] for u in users} >= {f"user-{n}" for n in range(8)}


def test_a_request_ready_a_turn_later_still_joins_the_sync(
        app: App, organization: str, disk: Disk, events: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ARRIVALS, "unanswered", 3)  # three arrived; the third is parsed a turn later

    async def late() -> tuple[int, Any]:
        await asyncio.sleep(0)
        return await create_user(app, events, organization, 3)

    async def main() -> list[tuple[int, Any]]:
        return await asyncio.gather(create_user(app, events, organization, 1),
                                    create_user(app, events, organization, 2), late())

    assert [status for status, _ in asyncio.run(main())] == [200] * 3
    assert events[0] == "fsync" and events.count("fsync") == 1  # the first two waited for the third


def test_a_sync_waits_a_few_turns_at_most_for_requests_that_do_not_come(
        app: App, organization: str, disk: Disk, events: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted as arrived but busy elsewhere (hashing a password off the loop, say): not waited for long.
    monkeypatch.setattr(ARRIVALS, "unanswered", 5)
    assert asyncio.run(create_user(app, events, organization, 1))[0] == 200
    assert events == ["fsync", "user-1"]


def test_a_request_alone_syncs_its_write_before_its_answer_and_a_read_needs_no_sync(
        app: App, organization: str, disk: Disk, events: list[str]) -> None:
    async def main() -> None:
        assert (await create_user(app, events, organization, 1))[0] == 200
        assert (await create_user(app, events, organization, 2))[0] == 200
        status, _ = await request(app, events, "read", "DescribeOrganization", {"OrganizationId": organization})
        assert status == 200

    asyncio.run(main())
    assert events == ["fsync", "user-1", "fsync", "user-2", "read"]


def test_a_read_is_not_answered_before_a_write_it_may_have_seen_is_on_disk(
        app: App, organization: str, disk: Disk, events: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ARRIVALS, "unanswered", 2)

    async def main() -> list[tuple[int, Any]]:
        return await asyncio.gather(
            create_user(app, events, organization, 1),
            request(app, events, "read", "DescribeUser", {"OrganizationId": organization, "UserId": "user-1"}))

    (write_status, _), (read_status, read) = asyncio.run(main())
    assert (write_status, read_status) == (200, 200) and read["Name"] == "user-1"  # it saw the write
    assert events[0] == "fsync" and sorted(events[1:]) == ["read", "user-1"]


def test_a_failed_fsync_answers_500_and_nothing_waiting_is_acknowledged_after_it(
        app: App, organization: str, disk: Disk, events: list[str], caplog: pytest.LogCaptureFixture) -> None:
    disk.fail = OSError(errno.EIO, "Input/output error")

    async def main() -> list[tuple[int, Any]]:
        first = await create_user(app, events, organization, 1)
        disk.fail = None  # a later fsync would succeed: the kernel may have dropped the failed pages
        second = await request(app, events, "read", "DescribeOrganization", {"OrganizationId": organization})
        return [first, second]

    for status, body in asyncio.run(main()):
        assert status == 500
        assert body["__type"] == "InternalFailure"
        assert "could not be synced to disk (Input/output error)" in body["message"]
    assert "fsync" not in events
    assert any("no request is answered until the server restarts" in r.getMessage() for r in caplog.records)


def test_a_commit_outside_a_request_waits_for_the_disk_itself(app: App, organization: str) -> None:
    aws(app, "CreateUser", {"OrganizationId": organization, "Name": "outside", "DisplayName": "Outside"})
    group = app.store.group_commit
    assert group.committed == group.synced == 0  # nothing deferred: SQLite's synchronous=FULL
    assert app.store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_request_commit_is_deferred_with_synchronous_normal(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        token = durability.IN_REQUEST.set(True)
        try:
            store.run(lambda tx: tx.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')"))
            mode = store.run(lambda tx: tx.value("PRAGMA synchronous"))
            store.run(lambda tx: tx.execute("INSERT INTO meta (key, value) VALUES ('k2', 'v')"), durable=False)
        finally:
            durability.IN_REQUEST.reset(token)
        assert mode == 1  # NORMAL: the sync is the group commit's
        # The write left its transaction open; the read and the durable=False write joined it.
        assert (store.group_commit.committed, store.group_commit.synced) == (3, 0)
        other = apsw.Connection(str(tmp_path / "db.sqlite3"))
        assert other.execute("SELECT count(*) FROM meta WHERE key IN ('k', 'k2')").fetchone()[0] == 0
        store.group_commit.sync_now()  # commits the batch, then syncs it
        assert store.group_commit.synced == 3
        assert other.execute("SELECT count(*) FROM meta WHERE key IN ('k', 'k2')").fetchone()[0] == 2
        other.close()
    finally:
        store.close()


def test_postgres_and_workers_never_group_and_memory_groups_with_nothing_to_sync(tmp_path: Path) -> None:
    assert not NEVER.enabled  # PostgreSQL's store keeps it (store/postgres.py)
    memory = Store(None)
    try:
        assert memory.group_commit is not NEVER and memory.group_commit.enabled
        assert memory.group_commit.wal_path is None
    finally:
        memory.close()
    Store(tmp_path / "db.sqlite3").close_keeping_claim()  # migrated, as the parent of the workers does
    worker = WorkerStore(tmp_path / "db.sqlite3")
    try:
        assert worker.group_commit is NEVER
    finally:
        worker.close()


def test_the_http_protocol_counts_requests_arrived_and_not_answered() -> None:
    """Through uvicorn with the server's protocol: three requests sent at once are all
    counted while the first is answered, and every one is taken off again, answered or
    abandoned by its client (a count left behind would make every later sync wait a turn)."""
    seen: list[int] = []
    release = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen.append(ARRIVALS.unanswered)
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})

    async def scenario() -> None:
        before = ARRIVALS.unanswered
        config = uvicorn.Config(app, host="127.0.0.1", port=0, http=BoundedHttpProtocol, lifespan="off",
                                log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        clients = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        for _, writer in clients:
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        while ARRIVALS.unanswered < before + 3:
            await asyncio.sleep(0.01)
        clients[2][1].close()  # gives up before its answer
        await asyncio.sleep(0.3)  # (the server sees it go before the answers are released)
        release.set()
        for reader, _ in clients[:2]:
            assert (await reader.readuntil(b"\r\n\r\n{}")).startswith(b"HTTP/1.1 200")
        for _ in range(100):
            if ARRIVALS.unanswered == before:
                break
            await asyncio.sleep(0.01)
        assert ARRIVALS.unanswered == before
        assert max(seen) == before + 3
        for _, writer in clients[:2]:
            writer.close()
        server.should_exit = True
        await serving

    asyncio.run(scenario())


def test_sqlite_reports_a_transaction_that_wrote(tmp_path: Path) -> None:
    # The deferral counts a commit only when the transaction wrote (txn_state before COMMIT).
    conn = apsw.Connection(str(tmp_path / "x.sqlite3"))
    conn.execute("CREATE TABLE t (x)")
    conn.execute("BEGIN")
    conn.execute("SELECT * FROM t").fetchall()
    assert conn.txn_state() == apsw.SQLITE_TXN_READ
    conn.execute("INSERT INTO t VALUES (1)")
    assert conn.txn_state() == apsw.SQLITE_TXN_WRITE
    conn.execute("COMMIT")


def keys(path: Path) -> set[str]:
    """The meta keys another connection sees (what is committed)."""
    other = apsw.Connection(str(path))
    try:
        return {row[0] for row in other.execute("SELECT key FROM meta")}
    finally:
        other.close()


def put(key: str) -> Any:
    return lambda tx: tx.execute("INSERT INTO meta (key, value) VALUES (?, 'v')", (key,))


@pytest.fixture
def in_request() -> Iterator[None]:
    token = durability.IN_REQUEST.set(True)
    yield
    durability.IN_REQUEST.reset(token)


def test_an_error_in_a_request_of_a_batch_rolls_back_its_own_writes_only(tmp_path: Path, in_request: None) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        store.run(put("first"))

        def fails(tx: Any) -> None:
            put("failed")(tx)
            raise ValueError("the handler failed after writing")

        with pytest.raises(ValueError):
            store.run(fails)
        store.run(put("third"))
        assert {"first", "failed", "third"}.isdisjoint(keys(store.path))  # one open batch, nothing committed yet
        store.group_commit.sync_now()
        assert {"first", "third"} <= keys(store.path) and "failed" not in keys(store.path)
    finally:
        store.close()


def test_a_batch_that_cannot_commit_fails_every_request_in_it_and_the_next_batch_is_kept(
        tmp_path: Path, in_request: None, caplog: pytest.LogCaptureFixture) -> None:
    store = Store(tmp_path / "db.sqlite3")
    group = store.group_commit
    try:
        store.run(put("lost-1"))
        first = group.committed

        def breaks_a_key_at_commit(tx: Any) -> None:  # a deferred foreign key fails the batch's COMMIT
            tx.execute("PRAGMA defer_foreign_keys=ON")
            tx.execute("INSERT INTO mail_domains (organization_id, domain, is_test, is_default, created_at)"
                       " VALUES ('m-none', 'x.test', 0, 0, 0)")

        store.run(breaks_a_key_at_commit)
        second = group.committed
        with pytest.raises(OSError, match="could not be committed"):
            asyncio.run(group.wait(first))
        with pytest.raises(OSError, match="could not be committed"):
            asyncio.run(group.wait(second))  # the other request of the batch, answered after it
        assert "lost-1" not in keys(store.path)
        assert any("could not be committed and was rolled back" in r.getMessage() for r in caplog.records)
        store.run(put("kept"))
        asyncio.run(group.wait(group.committed))  # a new batch: committed and synced
        assert "kept" in keys(store.path)
    finally:
        store.close()


def test_work_outside_a_request_commits_the_open_batch_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        token = durability.IN_REQUEST.set(True)
        try:
            store.run(put("request"))
        finally:
            durability.IN_REQUEST.reset(token)
        # As the export thread or SMTP submission (not a request) would: its own durable transaction.
        store.run(put("background"))
        assert {"request", "background"} <= keys(store.path)
        assert store.group_commit.pending  # the request's answer still waits for the loop's sync
    finally:
        store.close()


def test_closing_the_store_commits_the_open_batch(tmp_path: Path, in_request: None) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.run(put("unanswered"))
    store.close()
    assert "unanswered" in keys(tmp_path / "db.sqlite3")


def test_non_durable_writes_share_a_batch_committed_without_an_fsync(
        tmp_path: Path, in_request: None, disk: Disk, events: list[str]) -> None:
    # Mailbox logins' bookkeeping (durable=False): one COMMIT for the turn, no sync.
    store = Store(tmp_path / "db.sqlite3")
    group = store.group_commit
    try:
        store.run(put("login-1"), durable=False)
        store.run(put("login-2"), durable=False)
        store.run(lambda tx: tx.value("SELECT value FROM meta WHERE key = 'login-1'"))  # a read joins too
        assert group.committed == 3 and group.pending
        assert {"login-1", "login-2"}.isdisjoint(keys(store.path))  # one open batch
        asyncio.run(group.wait(group.committed))
        assert {"login-1", "login-2"} <= keys(store.path)
        assert events == [] and not group.pending  # committed, and no fsync was needed
    finally:
        store.close()


def test_in_memory_the_requests_of_a_turn_share_one_transaction_and_nothing_is_synced(
        in_request: None, disk: Disk, events: list[str]) -> None:
    store = Store(None)
    group = store.group_commit
    counting = store._tx.cursor = CountingCursor(store._tx.cursor)
    try:
        store.run(put("first"))  # durable, as a CreateUser is: in memory there is no disk to wait for
        store.run(put("second"), durable=False)
        assert store.run(read("first")) == "v"  # a read joins the batch and sees its writes
        assert counting.begins == 1 and group.committed == 3 and group.pending and not group.needs_sync
        asyncio.run(group.wait(group.committed))
        assert not group.pending and store._conn.get_autocommit()  # committed, the transaction ended
        assert events == []  # no fsync, and none attempted (the store has no log to sync)

        async def read_in_a_turn() -> bool:
            assert store.run(read("second")) == "v"
            return store._conn.get_autocommit()

        assert asyncio.run(read_in_a_turn())  # a read alone commits at once, in a turn of the loop too
        assert counting.begins == 2
    finally:
        store.close()


def test_in_memory_the_writes_of_one_turn_of_the_loop_are_answered_after_one_commit(
        events: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    application = App(Settings(in_memory=True))
    application.access_log.stream = io.StringIO()
    organization = aws(application, "CreateOrganization", {"Alias": "memory-batch"})["OrganizationId"]
    monkeypatch.setattr(ARRIVALS, "unanswered", 8)
    commits: list[int] = []
    end_batch = application.store.end_batch

    def counted_end_batch() -> None:
        if application.store._batch_open:
            commits.append(len(events))  # how many answers were sent before this commit
        end_batch()

    monkeypatch.setattr(application.store, "end_batch", counted_end_batch)
    monkeypatch.setattr(application.store.group_commit, "end_batch", counted_end_batch)

    async def main() -> list[tuple[int, Any]]:
        return await asyncio.gather(*(create_user(application, events, organization, n) for n in range(8)))

    try:
        answers = asyncio.run(main())
        assert [status for status, _ in answers] == [200] * 8
        assert commits == [0]  # one commit of the eight writes, before any answer
        users = aws(application, "ListUsers", {"OrganizationId": organization, "MaxResults": 100})["Users"]
        assert {u["Name"] for u in users} >= {f"user-{n}" for n in range(8)}
    finally:
        application.store.close()


@pytest.mark.parametrize("first_durable", [True, False])
def test_a_batch_a_durable_write_changed_is_synced_before_any_answer(
        tmp_path: Path, in_request: None, disk: Disk, events: list[str], first_durable: bool) -> None:
    store = Store(tmp_path / "db.sqlite3")
    group = store.group_commit
    try:
        store.run(put("first"), durable=first_durable)
        store.run(put("second"), durable=not first_durable)
        asyncio.run(group.wait(1))  # the first request's answer waits for the sync of the second's write
        assert events == ["fsync"] and not group.pending
        assert {"first", "second"} <= keys(store.path)
        store.run(put("third"), durable=False)
        asyncio.run(group.wait(group.committed))
        assert events == ["fsync"]  # the next batch held no durable write
    finally:
        store.close()


def read(key: str) -> Any:
    return lambda tx: tx.value("SELECT value FROM meta WHERE key = ?", (key,))


class CountingCursor:
    """The store's cursor, counting the BEGINs run through it."""

    def __init__(self, cursor: Any) -> None:
        self.cursor, self.begins = cursor, 0

    def execute(self, sql: str, params: Any = ()) -> Any:
        if sql == "BEGIN":
            self.begins += 1
        return self.cursor.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_the_reads_of_one_turn_share_one_read_transaction_ended_at_the_next_turn(
        tmp_path: Path, in_request: None) -> None:
    store = Store(tmp_path / "db.sqlite3")
    counting = store._tx.cursor = CountingCursor(store._tx.cursor)

    async def turns() -> None:
        for _ in range(3):
            store.run(read("clock_offset"))
        assert counting.begins == 1 and store._conn.txn_state() == apsw.SQLITE_TXN_READ
        await asyncio.sleep(0)
        assert store._conn.txn_state() == apsw.SQLITE_TXN_NONE  # ended: checkpoints are never held back
        store.run(read("clock_offset"))
        assert counting.begins == 2

    try:
        asyncio.run(turns())
        assert not store.group_commit.pending  # reads of committed rows wait for nothing
    finally:
        store.close()


def test_a_read_outside_an_event_loop_commits_at_once(tmp_path: Path, in_request: None) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        store.run(read("clock_offset"))
        assert store._conn.txn_state() == apsw.SQLITE_TXN_NONE  # nothing would end it
    finally:
        store.close()


def test_a_write_after_reads_of_the_turn_becomes_the_batch_and_its_error_rolls_back(
        tmp_path: Path, in_request: None, disk: Disk, events: list[str]) -> None:
    store = Store(tmp_path / "db.sqlite3")
    group = store.group_commit

    def fails(tx: Any) -> None:
        put("failed")(tx)
        raise ValueError("the handler failed after writing")

    async def turn() -> None:
        store.run(read("clock_offset"))
        with pytest.raises(ValueError):
            store.run(fails)  # its own write is the only one in the transaction
        assert store._conn.txn_state() == apsw.SQLITE_TXN_NONE
        store.run(read("clock_offset"))
        store.run(put("written"))
        assert group.pending and "written" not in keys(store.path)  # the batch, open
        assert store.run(read("written")) == "v"  # a read after it joins the batch
        await group.wait(group.committed)

    try:
        asyncio.run(turn())
        assert "written" in keys(store.path) and "failed" not in keys(store.path)
        assert events == ["fsync"] and not group.pending
    finally:
        store.close()


def test_work_outside_a_request_ends_the_open_read_transaction_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")

    async def turn() -> None:
        token = durability.IN_REQUEST.set(True)
        try:
            store.run(read("clock_offset"))
        finally:
            durability.IN_REQUEST.reset(token)
        assert store._conn.txn_state() == apsw.SQLITE_TXN_READ
        store.run(put("background"))  # as the export thread would: its own durable transaction
        assert "background" in keys(store.path)

    try:
        asyncio.run(turn())
    finally:
        store.close()
