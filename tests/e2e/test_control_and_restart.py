"""The control API (health, reset, clock) and durability across restarts."""

from __future__ import annotations

import time

from workmail_local import __version__
from workmail_local.testing import LocalServer


def test_health(server) -> None:
    status, body = server.control("GET", "/health")
    assert status == 200
    assert body == {"status": "ok", "version": __version__, "services": ["identitystore", "sso-admin", "workmail"]}


def test_unknown_control_endpoint_is_json_404(server) -> None:
    status, body = server.control("GET", "/nothing-here")
    assert status == 404 and body["__type"] == "NotFound"


def test_clock_advances_and_reset_returns_to_real_time(server) -> None:
    status, clock = server.control("GET", "/clock")
    assert status == 200 and clock["offset_seconds"] == 0
    assert abs(clock["now"] - time.time()) < 60
    status, clock = server.control("POST", "/clock", {"advance_seconds": 86400})
    assert status == 200 and clock["offset_seconds"] == 86400
    assert clock["now"] - time.time() > 86000
    server.reset()
    assert server.control("GET", "/clock")[1]["offset_seconds"] == 0


def test_clock_refuses_bad_input(server) -> None:
    for body in ({}, {"advance_seconds": -1}, {"advance_seconds": "1"}, {"advance_seconds": True}):
        status, answer = server.control("POST", "/clock", body)
        assert status == 400 and answer["__type"] == "ValidationException"


def test_timestamps_follow_the_emulator_clock(workmail, server) -> None:
    server.control("POST", "/clock", {"advance_seconds": 365 * 86400})
    org_id = workmail.create_organization(Alias="future")["OrganizationId"]
    completed = workmail.describe_organization(OrganizationId=org_id)["CompletedDate"].timestamp()
    assert completed - time.time() > 364 * 86400


def test_reset_wipes_everything(workmail, server) -> None:
    workmail.create_organization(Alias="gone")
    server.reset()
    assert workmail.list_organizations()["OrganizationSummaries"] == []


def test_restart_keeps_every_resource_with_the_same_ids_and_timestamps(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        first = wm.create_organization(Alias="durable", ClientToken="tok-1")["OrganizationId"]
        second = wm.create_organization(Alias="deleted-one")["OrganizationId"]
        wm.delete_organization(OrganizationId=second, DeleteDirectory=True)
        server.control("POST", "/clock", {"advance_seconds": 3600})
        before = [wm.describe_organization(OrganizationId=i) for i in (first, second)]
        listed = wm.list_organizations(MaxResults=1)
    assert (data / "workmail-local.sqlite3").exists()
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        after = [wm.describe_organization(OrganizationId=i) for i in (first, second)]
        for b, a in zip(before, after):
            b.pop("ResponseMetadata"), a.pop("ResponseMetadata")
            assert a == b
        # The clock offset, idempotency records and page tokens survive too.
        assert server.control("GET", "/clock")[1]["offset_seconds"] == 3600
        assert wm.create_organization(Alias="durable", ClientToken="tok-1")["OrganizationId"] == first
        page = wm.list_organizations(MaxResults=1, NextToken=listed["NextToken"])
        assert page["OrganizationSummaries"][0]["OrganizationId"] == second


def test_in_memory_writes_no_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with LocalServer(in_memory=True, env={"XDG_DATA_HOME": str(tmp_path / "xdg")}) as server:
        server.client("workmail").create_organization(Alias="ephemeral")
        assert "data: memory" in (server.process.stdout.readline() if server.process.stdout else "")
    assert list(tmp_path.rglob("*.sqlite3")) == []


def test_a_second_server_on_the_same_data_dir_is_refused_clearly(tmp_path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        second = subprocess.run([sys.executable, "-m", "workmail_local", "serve", "--port", "0", "--data-dir",
                                 str(data)], capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "is in use by another process" in second.stderr and "Traceback" not in second.stderr
        assert server.control("GET", "/health")[0] == 200  # the first one is unharmed
