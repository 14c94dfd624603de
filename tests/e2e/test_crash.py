"""A crash mid-load loses nothing acknowledged and leaves nothing half-written: concurrent
writers create organizations, users and their mailboxes on SQLite; the server (one process,
or all the processes of ``--workers 2``) is killed with SIGKILL while they run, then
restarted on the same data directory."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from tests.e2e.worker_connections import workers_of
from workmail_local.testing import LocalServer

WRITERS = 4
KILL_AFTER_ACKS = 60  # acknowledged writes, all writers together, before the kill


@dataclass
class Acked:
    """What the server acknowledged (answered 200 for) before it died."""

    organizations: dict[str, str] = field(default_factory=dict)  # id → account
    users: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id → (account, org, name)
    registered: dict[str, str] = field(default_factory=dict)  # user id → email
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        return len(self.organizations) + len(self.users) + len(self.registered)


def writer(server: LocalServer, n: int, acked: Acked, enough: threading.Event) -> None:
    """Create organizations, each with users registered to WorkMail, until the server dies."""
    account = f"{100000000000 + n}"
    workmail = server.client("workmail", account=account)
    try:
        for i in range(90):  # below the 100 organizations an account may have per Region
            org_id = workmail.create_organization(Alias=f"crash-{n}-{i}")["OrganizationId"]
            with acked.lock:
                acked.organizations[org_id] = account
            for j in range(3):
                user_id = workmail.create_user(OrganizationId=org_id, Name=f"u{j}", DisplayName=f"U {j}")["UserId"]
                with acked.lock:
                    acked.users[user_id] = (account, org_id, f"u{j}")
                email = f"u{j}@crash-{n}-{i}.awsapps.com"
                workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email=email)
                with acked.lock:
                    acked.registered[user_id] = email
                    if acked.count() >= KILL_AFTER_ACKS:
                        enough.set()
    except Exception:  # noqa: BLE001, S110 - the server was killed under this writer
        return


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_mid_load_loses_nothing_acknowledged_and_half_writes_nothing(tmp_path, workers: int) -> None:
    # With --workers 2 every process of the server is killed at once: two writers of the
    # one SQLite file die mid-transaction.
    if workers > 1 and not sys.platform.startswith("linux"):
        pytest.skip("finds the workers in /proc")
    data = tmp_path / "data"
    acked, enough = Acked(), threading.Event()
    server = LocalServer(data_dir=data, extra_args=["--workers", str(workers)]).start()
    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            for n in range(WRITERS):
                pool.submit(writer, server, n, acked, enough)
            assert enough.wait(120), "the writers never got going"
            assert server.process is not None
            for pid in workers_of(server) if workers > 1 else []:
                os.kill(pid, signal.SIGKILL)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(10)
    finally:
        server.stop()
    assert acked.count() >= KILL_AFTER_ACKS

    with LocalServer(data_dir=data) as server:
        for org_id, account in acked.organizations.items():
            workmail = server.client("workmail", account=account)
            assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Active"
        for user_id, (account, org_id, name) in acked.users.items():
            user = server.client("workmail", account=account).describe_user(OrganizationId=org_id, UserId=user_id)
            assert user["Name"] == name
            if user_id in acked.registered:
                assert user["State"] == "ENABLED" and user["Email"] == acked.registered[user_id]

    db = sqlite3.connect(data / "workmail-local.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        # Nothing half-written: every organization has its one default mail domain, every user
        # its organization, every user with an address its address row and no address row
        # without its user.
        assert db.execute(
            "SELECT o.id FROM organizations o LEFT JOIN mail_domains d ON d.organization_id = o.id AND d.is_default = 1"
            " GROUP BY o.id HAVING COUNT(d.domain) <> 1").fetchall() == []
        assert db.execute("SELECT u.id FROM users u LEFT JOIN organizations o ON o.id = u.organization_id"
                          " WHERE o.id IS NULL").fetchall() == []
        assert db.execute(
            "SELECT u.id FROM users u LEFT JOIN email_addresses a ON a.entity_id = u.id AND a.is_primary = 1"
            " WHERE (u.email IS NULL) <> (a.address IS NULL) OR u.email <> a.address"
            " OR (u.email IS NULL) <> (u.state = 'DISABLED')").fetchall() == []
        assert db.execute("SELECT a.address FROM email_addresses a LEFT JOIN users u ON u.id = a.entity_id"
                          " WHERE u.id IS NULL").fetchall() == []
        # And what was acknowledged is a subset of what is there.
        stored_orgs = {r[0] for r in db.execute("SELECT id FROM organizations")}
        stored_users = {r[0] for r in db.execute("SELECT id FROM users")}
        assert set(acked.organizations) <= stored_orgs and set(acked.users) <= stored_users
    finally:
        db.close()
