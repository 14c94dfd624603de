"""``serve --workers 2``: two processes answering on one port, on SQLite and on PostgreSQL.

Each test drives connections whose worker is known (``worker_connections``: found in
/proc, nothing on the wire), so "seen by the other worker" means exactly that: the clock,
page tokens, reset, and the races (one alias, one user name, one email at once) across
two processes, where exactly one request wins and the other answers the modelled error.
PostgreSQL runs when ``WORKMAIL_LOCAL_TEST_DATABASE_URL`` names a database the tests may
wipe (skipped otherwise, a failure in CI).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import postgres_unavailable
from tests.e2e.world import IDC_PASSWORD
from tests.e2e.worker_connections import Pool, control, ok, race, workers_of
from workmail_local.testing import LocalServer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds each connection's worker in /proc")

WORKERS = ["--workers", "2", "--idle-timeout", "120"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A two-worker server on a fresh SQLite data directory, or on the test PostgreSQL database."""
    if request.param == "postgresql":
        reason = postgres_unavailable()
        if reason is not None:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
            pytest.skip(f"no PostgreSQL for the tests: {reason}")
        server = LocalServer(database_url=os.environ["WORKMAIL_LOCAL_TEST_DATABASE_URL"], extra_args=WORKERS)
    else:
        server = LocalServer(data_dir=tmp_path_factory.mktemp("workers") / "data", extra_args=WORKERS)
    with server:
        yield server


@pytest.fixture
def pool(live: LocalServer) -> Iterator[Pool]:
    """Connections of the wiped server, at least two answered by each worker."""
    live.reset()
    connections = Pool(live, each=2)
    yield connections
    connections.close()


def test_two_worker_processes_answer_on_one_port(live: LocalServer, pool: Pool) -> None:
    workers = workers_of(live)
    assert len(workers) == 2 and set(pool.by_worker) == set(workers)
    for pid in workers:
        assert b"workmail_local.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert live.process is not None and live.process.pid not in workers
    for conn in pool.all():  # every one of them answers
        assert control(conn, "GET", "/health")[1]["status"] == "ok"


def test_the_clock_moved_through_one_worker_is_seen_by_the_other(pool: Pool) -> None:
    a, b = pool.first()
    assert control(a, "POST", "/clock", {"advance_seconds": 30 * 86400})[0] == 200
    for conn in pool.all():
        assert control(conn, "GET", "/clock")[1]["offset_seconds"] == 30 * 86400
    org_id = ok(b, "CreateOrganization", {"Alias": "later"})["OrganizationId"]
    created = ok(b, "DescribeOrganization", {"OrganizationId": org_id})["CompletedDate"]
    assert created - time.time() > 29 * 86400
    # Advancing adds to the offset the other worker set, not to a stale copy of its own.
    assert control(b, "POST", "/clock", {"advance_seconds": 60})[1]["offset_seconds"] == 30 * 86400 + 60
    assert control(a, "POST", "/clock", {"advance_seconds": 60})[1]["offset_seconds"] == 30 * 86400 + 120
    assert control(b, "POST", "/clock", {"offset_seconds": 0})[0] == 200
    assert all(control(conn, "GET", "/clock")[1]["offset_seconds"] == 0 for conn in pool.all())


def test_page_tokens_minted_by_one_worker_work_on_the_other(pool: Pool) -> None:
    a, b = pool.first()
    org_id = ok(a, "CreateOrganization", {"Alias": "paged"})["OrganizationId"]
    names = [f"user{i}" for i in range(7)]
    for i, name in enumerate(names):
        ok((a, b)[i % 2], "CreateUser", {"OrganizationId": org_id, "Name": name, "DisplayName": name})
    seen, token, turn = [], None, 0
    while True:
        page = ok(pool.all()[turn % 4], "ListUsers",
                  {"OrganizationId": org_id, "MaxResults": 2, **({"NextToken": token} if token else {})})
        seen += [user["Name"] for user in page["Users"]]
        token, turn = page.get("NextToken"), turn + 1
        if not token:
            break
    assert seen == names and turn == 4


def test_reset_through_one_worker_is_seen_by_the_other(pool: Pool) -> None:
    a, b = pool.first()
    ok(a, "CreateOrganization", {"Alias": "gone"})
    control(a, "POST", "/clock", {"advance_seconds": 3600})
    assert control(b, "POST", "/reset")[0] == 200
    assert ok(a, "ListOrganizations", {})["OrganizationSummaries"] == []
    assert control(a, "GET", "/clock")[1]["offset_seconds"] == 0
    assert ok(a, "CreateOrganization", {"Alias": "gone"})["OrganizationId"]


def test_one_alias_at_once_on_two_workers_has_one_winner(pool: Pool) -> None:
    for round_ in range(8):
        body = {"Alias": f"race-{round_}"}
        results = race(pool.first(), "CreateOrganization", [body, body])
        assert sorted(results) == [(200, ""), (400, "NameAvailabilityException")], results
    a, _ = pool.first()
    aliases = sorted(o["Alias"] for o in ok(a, "ListOrganizations", {})["OrganizationSummaries"])
    assert aliases == [f"race-{i}" for i in range(8)]


def test_one_user_name_at_once_on_two_workers_has_one_winner(pool: Pool) -> None:
    a, _ = pool.first()
    org_id = ok(a, "CreateOrganization", {"Alias": "people"})["OrganizationId"]
    for round_ in range(8):
        body = {"OrganizationId": org_id, "Name": f"user{round_}", "DisplayName": f"user{round_}"}
        results = race(pool.first(), "CreateUser", [body, body])
        assert sorted(results) == [(200, ""), (400, "NameAvailabilityException")], results
    users = ok(a, "ListUsers", {"OrganizationId": org_id})["Users"]
    assert sorted(u["Name"] for u in users) == [f"user{i}" for i in range(8)]


def test_one_email_at_once_on_two_workers_has_one_winner(pool: Pool) -> None:
    a, b = pool.first()
    org_id = ok(a, "CreateOrganization", {"Alias": "mailers"})["OrganizationId"]
    for round_ in range(8):
        first, second = (ok(conn, "CreateUser", {"OrganizationId": org_id, "Name": f"{who}{round_}",
                                                  "DisplayName": who})["UserId"]
                         for conn, who in ((a, "ann"), (b, "bob")))
        email = f"shared{round_}@mailers.awsapps.com"
        results = race(pool.first(), "RegisterToWorkMail", [
            {"OrganizationId": org_id, "EntityId": first, "Email": email},
            {"OrganizationId": org_id, "EntityId": second, "Email": email}])
        assert sorted(results) == [(200, ""), (400, "EmailAddressInUseException")], results
        holders = [user for user in ok(a, "ListUsers", {"OrganizationId": org_id})["Users"] if user.get("Email") == email]
        assert len(holders) == 1 and holders[0]["State"] == "ENABLED"


def test_mixed_writes_from_both_workers_all_land(pool: Pool) -> None:
    # Many writes racing on both workers: none fails ("database is locked" would be a 500).
    a, _ = pool.first()
    org_id = ok(a, "CreateOrganization", {"Alias": "busy"})["OrganizationId"]
    for round_ in range(10):
        bodies = [{"OrganizationId": org_id, "Name": f"w{round_}-{i}", "DisplayName": "W"} for i in range(4)]
        assert race(pool.all()[:4], "CreateUser", bodies) == [(200, "")] * 4
    assert len(ok(a, "ListUsers", {"OrganizationId": org_id, "MaxResults": 100})["Users"]) == 40


def test_a_login_lockout_set_through_one_worker_holds_on_the_other(live: LocalServer, pool: Pool) -> None:
    a, b = pool.first()
    ids = live.client("identitystore")
    store = live.client("sso-admin").list_instances()["Instances"][0]["IdentityStoreId"]
    user = ids.create_user(IdentityStoreId=store, UserName="lock", DisplayName="Lock",
                           Name={"GivenName": "L", "FamilyName": "K"})["UserId"]
    assert control(a, "POST", "/identitycenter/password",
                   {"IdentityStoreId": store, "UserId": user, "Password": IDC_PASSWORD})[0] == 200
    for attempt in range(5):
        status, _ = control((a, b)[attempt % 2], "POST", "/identitycenter/signin",
                            {"IdentityStoreId": store, "UserName": "lock", "Password": "wrong"})
        assert status == 401
    for conn in (a, b):
        status, body = control(conn, "POST", "/identitycenter/signin",
                               {"IdentityStoreId": store, "UserName": "lock", "Password": IDC_PASSWORD})
        assert (status, body["__type"]) == (429, "TooManyAttempts")


def test_an_export_job_is_built_once_whichever_worker_sees_it(tmp_path: Path) -> None:
    from tests.e2e.export_helpers import BUCKET, KMS_KEY_ARN, PREFIX, ROLE_ARN, fill_maildir, message, wait_until

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    args = [*WORKERS, "--export-job-seconds", "1", "--mail-dir", str(mail_dir)]
    with LocalServer(data_dir=tmp_path / "data", extra_args=args) as server:
        pool = Pool(server, each=2)
        a, _ = pool.first()
        org_id = ok(a, "CreateOrganization", {"Alias": "exports"})["OrganizationId"]
        jobs = []
        for i, conn in enumerate(pool.all()):
            user = ok(conn, "CreateUser", {"OrganizationId": org_id, "Name": f"m{i}", "DisplayName": "M"})["UserId"]
            ok(conn, "RegisterToWorkMail", {"OrganizationId": org_id, "EntityId": user,
                                            "Email": f"m{i}@exports.awsapps.com"})
            fill_maildir(mail_dir, user, {"INBOX": [message(f"hello {i}")]})
            jobs.append(ok(conn, "StartMailboxExportJob", {
                "OrganizationId": org_id, "EntityId": user, "RoleArn": ROLE_ARN, "KmsKeyArn": KMS_KEY_ARN,
                "S3BucketName": BUCKET, "S3Prefix": PREFIX, "ClientToken": f"export-{i}"})["JobId"])

        def all_ended() -> bool:
            states = [ok(a, "DescribeMailboxExportJob", {"OrganizationId": org_id, "JobId": job})["State"]
                      for job in jobs]
            return all(state != "RUNNING" for state in states) and states

        assert wait_until(all_ended, "every export job to end") == ["COMPLETED"] * len(jobs)
        pool.close()
        log = server.log()
    for job in jobs:
        assert log.count(f"export job {job} COMPLETED") == 1, log
