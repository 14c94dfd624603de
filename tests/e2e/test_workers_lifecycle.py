"""``serve --workers N`` as processes: start-up output once, stopping (SIGTERM, a worker
that dies, a parent that dies), restarts, the data directory's claim, SMTP on every
worker, and the settings it refuses."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_hardening_settings import assert_refused, run
from tests.e2e.worker_connections import Pool, alive, control, ok, owner, workers_of
from workmail_local.testing import LocalServer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="watches the workers in /proc")


def gone(pids: list[int], limit: float = 30.0) -> bool:
    """Whether every process has ended (polled; the limit only stops a hang)."""
    deadline = time.monotonic() + limit
    while any(alive(pid) for pid in pids):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def test_start_up_lines_are_printed_once_and_sigterm_stops_every_worker(tmp_path: Path) -> None:
    server = LocalServer(data_dir=tmp_path / "data", extra_args=["--workers", "3"]).start()
    try:
        workers = workers_of(server)
        assert len(workers) == 3
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == -signal.SIGTERM  # it ends by the signal, as one process does
    finally:
        server.stop()
    assert gone(workers, limit=0)  # the parent waited for them: nothing is left running
    assert server.process.stdout is not None
    printed = server.process.stdout.read()  # after the "listening on" line LocalServer read
    assert printed == f"data: {tmp_path / 'data' / 'workmail-local.sqlite3'}\n"
    log = server.log()
    assert log.count("3 worker processes serving: pids ") == 1
    assert "Traceback" not in log


def test_a_worker_that_dies_stops_the_server_with_a_non_zero_status(tmp_path: Path) -> None:
    server = LocalServer(data_dir=tmp_path / "data", extra_args=["--workers", "2"]).start()
    try:
        first, second = workers_of(server)
        os.kill(first, signal.SIGKILL)
        assert server.process is not None
        assert server.process.wait(30) == 1
    finally:
        server.stop()
    assert gone([second], limit=0)
    log = server.log()
    assert f"(pid {first}) was killed by SIGKILL; the other workers were stopped" in log
    assert "Traceback" not in log


def test_workers_whose_parent_is_killed_stop_and_free_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = LocalServer(data_dir=data, extra_args=["--workers", "2"]).start()
    try:
        org_id = server.client("workmail").create_organization(Alias="orphans")["OrganizationId"]
        workers = workers_of(server)
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        assert gone(workers), "the workers outlived their parent"
    finally:
        server.stop()
    with LocalServer(data_dir=data) as again:
        assert again.client("workmail").describe_organization(OrganizationId=org_id)["State"] == "Active"


def test_restart_keeps_data_clock_and_page_tokens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data, extra_args=["--workers", "2"]) as server:
        wm = server.client("workmail")
        ids = [wm.create_organization(Alias=f"kept-{i}")["OrganizationId"] for i in range(3)]
        server.control("POST", "/clock", {"advance_seconds": 3600})
        first_page = wm.list_organizations(MaxResults=2)
    for args in (["--workers", "2"], []):  # and back to one process
        with LocalServer(data_dir=data, extra_args=args) as server:
            wm = server.client("workmail")
            assert [wm.describe_organization(OrganizationId=i)["Alias"] for i in ids] == ["kept-0", "kept-1", "kept-2"]
            assert server.control("GET", "/clock")[1]["offset_seconds"] == 3600
            rest = wm.list_organizations(MaxResults=2, NextToken=first_page["NextToken"])
            assert [o["Alias"] for o in rest["OrganizationSummaries"]] == ["kept-2"]


def test_a_second_server_on_the_data_dir_of_a_multi_worker_one_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data, extra_args=["--workers", "2"]) as server:
        for args in ([], ["--workers", "2"]):
            second = subprocess.run([sys.executable, "-m", "workmail_local", "serve", "--port", "0", "--data-dir",
                                     str(data), *args], capture_output=True, text=True, timeout=60)
            assert second.returncode == 2
            assert "is in use by another process" in second.stderr and "Traceback" not in second.stderr
        assert server.control("GET", "/health")[0] == 200


def test_smtp_submission_is_answered_by_every_worker(tmp_path: Path) -> None:
    args = ["--workers", "2", "--idle-timeout", "120", "--smtp-port", "0", "--smtps-port", "0"]
    with LocalServer(data_dir=tmp_path / "data", extra_args=args) as server:
        pool = Pool(server)
        mail_info = [control(conn, "GET", "/mail")[1] for conn in pool.first()]
        assert mail_info[0] == mail_info[1] and mail_info[0]["Smtp"] and mail_info[0]["Smtps"]
        host, port = mail_info[0]["Smtp"].rsplit(":", 1)
        answered_by = set()
        for _ in range(200):
            client = smtplib.SMTP(host, int(port), timeout=30)
            assert client.ehlo()[0] == 250  # the connection has been accepted and answered
            answered_by.add(owner(client, int(port), pool.workers))
            client.quit()
            if len(answered_by) == 2:
                break
        assert answered_by == set(pool.workers)
        ok(pool.first()[0], "ListOrganizations", {})
        pool.close()
    assert server.process is not None and server.process.stdout is not None
    printed = server.process.stdout.read()
    assert printed.count("TLS certificate: ") == 1 and printed.count("SMTP on ") == 1, printed


@pytest.mark.parametrize("args, env, parts", [
    (["--workers", "0"], {}, ["--workers", "'0'", "whole number of processes, 1 or more"]),
    (["--workers", "abc"], {}, ["--workers", "'abc'", "1 or more"]),
    (["--workers", "-2"], {}, ["--workers", "'-2'"]),
    ([], {"WORKMAIL_LOCAL_WORKERS": "two"}, ["WORKMAIL_LOCAL_WORKERS", "'two'", "1 or more"]),
    (["--in-memory", "--workers", "2"], {}, ["--workers 2", "in-memory", "--data-dir"]),
    ([], {"WORKMAIL_LOCAL_IN_MEMORY": "1", "WORKMAIL_LOCAL_WORKERS": "4"}, ["--workers 4", "in-memory"]),
])
def test_bad_worker_settings_are_one_line_and_exit_2(args: list[str], env: dict[str, str], parts: list[str]) -> None:
    assert_refused(run("serve", *args, env=env), *parts)
