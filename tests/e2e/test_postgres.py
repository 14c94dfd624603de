"""End to end against PostgreSQL: two server processes on one database.

Needs ``WORKMAIL_LOCAL_TEST_DATABASE_URL`` (``postgresql://user:password@host:port/db``,
a database the tests may wipe). Without a reachable database the module is skipped,
except in CI (``CI`` set), where that is a failure: CI must test this path.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, error_of, postgres_unavailable
from tests.e2e.world import build_world
from workmail_local.testing import LocalServer

DATABASE_URL = os.environ.get("WORKMAIL_LOCAL_TEST_DATABASE_URL", "")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[LocalServer, LocalServer]]:
    """Two server processes sharing the test database."""
    reason = postgres_unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
        pytest.skip(f"no PostgreSQL for the tests: {reason}")
    first, second = LocalServer(database_url=DATABASE_URL), LocalServer(database_url=DATABASE_URL)
    first.start()
    try:
        second.start()
    except Exception:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


@pytest.fixture
def pg(servers: tuple[LocalServer, LocalServer]) -> LocalServer:
    """The first server, with the shared database wiped and the clock back to real time."""
    servers[0].reset()
    return servers[0]


@pytest.fixture
def pg2(servers: tuple[LocalServer, LocalServer], pg: LocalServer) -> LocalServer:
    """The second server on the same (wiped) database."""
    return servers[1]


def test_serve_names_the_database_without_its_password(pg: LocalServer) -> None:
    with LocalServer(database_url=DATABASE_URL) as server:
        assert server.process is not None and server.process.stdout is not None
    printed = server.process.stdout.read()  # what followed the "listening on" line
    parts = urlsplit(DATABASE_URL)
    assert f"data: PostgreSQL postgresql://{parts.username}@{parts.hostname}" in printed
    assert f":{parts.password}@" not in printed


def test_organizations_lifecycle_pagination_and_alias_uniqueness(pg: LocalServer) -> None:
    wm = pg.client("workmail")
    ids = [wm.create_organization(Alias=f"org-{i}")["OrganizationId"] for i in range(5)]
    described = wm.describe_organization(OrganizationId=ids[0])
    assert described["State"] == "Active" and described["Alias"] == "org-0"
    with pytest.raises(ClientError) as exc:
        wm.create_organization(Alias="org-0")
    assert error_of(exc) == ("NameAvailabilityException", "The organization alias org-0 is not available.")
    seen, token = [], None
    while True:
        page = wm.list_organizations(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["OrganizationSummaries"]) <= 2
        seen += [o["OrganizationId"] for o in page["OrganizationSummaries"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(ids)
    wm.delete_organization(OrganizationId=ids[0], DeleteDirectory=True)
    assert wm.describe_organization(OrganizationId=ids[0])["State"] == "Deleted"
    # A deleted organization frees its alias.
    assert wm.create_organization(Alias="org-0")["OrganizationId"] not in ids
    # Another account sees none of it.
    assert pg.client("workmail", account="210987654321").list_organizations()["OrganizationSummaries"] == []


def test_page_token_from_one_process_works_in_the_other(pg: LocalServer, pg2: LocalServer) -> None:
    wm = pg.client("workmail")
    for i in range(3):
        wm.create_organization(Alias=f"paged-{i}")
    first = wm.list_organizations(MaxResults=2)
    rest = pg2.client("workmail").list_organizations(MaxResults=2, NextToken=first["NextToken"])
    assert len(first["OrganizationSummaries"]) + len(rest["OrganizationSummaries"]) == 3


def test_identity_center_users_sign_in_pat_and_mailbox_authentication(pg: LocalServer, pg2: LocalServer) -> None:
    world = build_world(pg, mfa=False)
    config = world.workmail.describe_identity_provider_configuration(OrganizationId=world.org_id)
    assert config["AuthenticationMode"] == "IDENTITY_PROVIDER_AND_DIRECTORY"
    assert config["IdentityCenterConfiguration"]["ApplicationArn"] == world.app_arn
    users = world.workmail.list_users(OrganizationId=world.org_id)["Users"]
    assert [(u["Name"], u["State"], u.get("Email")) for u in users] == [("ann", "ENABLED", world.email)]
    with pytest.raises(ClientError) as exc:
        world.workmail.create_user(OrganizationId=world.org_id, Name="ann", DisplayName="Ann again")
    assert code_of(exc) == "NameAvailabilityException"
    secret = world.token()
    assert world.authenticate(secret)["Authenticated"] is True
    # The other process sees the same token and records its use.
    status, body = pg2.control("POST", "/mailbox/authenticate",
                               {"Username": world.email, "Secret": secret, "Protocol": "IMAP"})
    assert status == 200 and body["Authenticated"] is True
    tokens = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)["PersonalAccessTokenSummaries"]
    assert len(tokens) == 1 and "DateLastUsed" in tokens[0]
    assert world.authenticate("not-the-token")["Authenticated"] is False


def test_reset_wipes_the_shared_database_for_every_process(pg: LocalServer, pg2: LocalServer) -> None:
    pg.client("workmail").create_organization(Alias="gone")
    pg2.reset()
    assert pg.client("workmail").list_organizations()["OrganizationSummaries"] == []
    assert pg.client("workmail").create_organization(Alias="gone")["OrganizationId"]


def test_clock_advanced_in_one_process_is_seen_by_the_other(pg: LocalServer, pg2: LocalServer) -> None:
    status, clock = pg.control("POST", "/clock", {"advance_seconds": 30 * 86400})
    assert status == 200 and clock["offset_seconds"] == 30 * 86400
    assert pg2.control("GET", "/clock")[1]["offset_seconds"] == 30 * 86400
    org_id = pg2.client("workmail").create_organization(Alias="later")["OrganizationId"]
    created = pg2.client("workmail").describe_organization(OrganizationId=org_id)["CompletedDate"].timestamp()
    assert created - time.time() > 29 * 86400
    pg2.reset()
    assert pg.control("GET", "/clock")[1]["offset_seconds"] == 0


def test_restart_keeps_state(pg: LocalServer) -> None:
    org_id = pg.client("workmail").create_organization(Alias="durable")["OrganizationId"]
    pg.control("POST", "/clock", {"advance_seconds": 3600})
    before = pg.client("workmail").describe_organization(OrganizationId=org_id)
    with LocalServer(database_url=DATABASE_URL) as restarted:
        after = restarted.client("workmail").describe_organization(OrganizationId=org_id)
        assert restarted.control("GET", "/clock")[1]["offset_seconds"] == 3600
    for key in ("OrganizationId", "Alias", "State", "DefaultMailDomain", "CompletedDate"):
        assert after[key] == before[key]


def _race(servers: list[LocalServer], target: str, body: dict[str, Any]) -> list[tuple[int, str]]:
    """The same request to each server at the same moment: ``(status, error code or "")`` each.

    Raw HTTP on connections opened beforehand, the headers sent ahead and only the body
    after the barrier, so that the requests reach the servers together."""
    payload = json.dumps(body).encode()
    barrier = threading.Barrier(len(servers))
    results: list[tuple[int, str]] = [(0, "no answer")] * len(servers)

    def run(i: int) -> None:
        parts = urlsplit(servers[i].url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.connect()
        conn.putrequest("POST", "/")
        for name, value in {
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target,
            "Authorization": "AWS4-HMAC-SHA256 Credential=123456789012/20260101/us-east-1/workmail/aws4_request, "
                             "SignedHeaders=host, Signature=0",
            "Content-Length": str(len(payload)),
        }.items():
            conn.putheader(name, value)
        barrier.wait()
        conn.endheaders(payload)
        response = conn.getresponse()
        answer = json.loads(response.read() or b"{}")
        results[i] = (response.status, answer.get("__type", ""))
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_create_organization_with_one_alias_has_one_winner(pg: LocalServer, pg2: LocalServer) -> None:
    # Two transactions that both check the alias and then insert conflict: one is run
    # again, sees the other's organization, and answers as a later request would.
    for round_ in range(8):
        results = _race([pg, pg2], "WorkMailService.CreateOrganization", {"Alias": f"race-{round_}"})
        assert sorted(results) == [(200, ""), (400, "NameAvailabilityException")], results
    organizations = pg.client("workmail").list_organizations()["OrganizationSummaries"]
    assert sorted(o["Alias"] for o in organizations) == [f"race-{i}" for i in range(8)]


def test_concurrent_create_user_with_one_name_has_one_winner(pg: LocalServer, pg2: LocalServer) -> None:
    org_id = pg.client("workmail").create_organization(Alias="people")["OrganizationId"]
    for round_ in range(5):
        results = _race([pg, pg2], "WorkMailService.CreateUser",
                        {"OrganizationId": org_id, "Name": f"user{round_}", "DisplayName": f"user{round_}"})
        assert sorted(results) == [(200, ""), (400, "NameAvailabilityException")], results
    users = pg.client("workmail").list_users(OrganizationId=org_id)["Users"]
    assert sorted(u["Name"] for u in users) == [f"user{i}" for i in range(5)]
