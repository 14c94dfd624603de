"""Slow work never blocks other requests: password hashing and verification (argon2) run
off the event loop and outside the store's transaction, so reads keep being answered
while logins, password changes and IdC sign-ins are in progress (workmail_local.slow)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.world import DIRECTORY_PASSWORD, IDC_PASSWORD, build_world

LOGINS = 8
READS = 10


def _overlap(server: Any, slow_call: Any) -> tuple[list[float], list[float], list[Any]]:
    """Start LOGINS slow calls at once; once the first has finished (the rest are in
    progress), make READS ListOrganizations one after another. The finishing times of the
    slow calls and of the reads, and the slow calls' answers."""
    workmail = server.client("workmail")
    workmail.list_organizations()  # the client's connection is open before the race starts
    first_done = threading.Event()
    slow_done: list[float] = []

    def one(n: int) -> Any:
        answer = slow_call(n)
        slow_done.append(time.monotonic())
        first_done.set()
        return answer

    with ThreadPoolExecutor(LOGINS) as pool:
        futures = [pool.submit(one, n) for n in range(LOGINS)]
        assert first_done.wait(60)
        read_done = [time.monotonic()]
        for _ in range(READS):
            workmail.list_organizations()
            read_done.append(time.monotonic())
        answers = [f.result() for f in futures]
    return slow_done, read_done, answers


def assert_not_serialized(slow_done: list[float], read_done: list[float]) -> None:
    """The reads were answered while slow calls were in progress, without waiting behind
    them: fewer slow calls finished during the run of reads than there were reads (behind
    a blocked loop, each read waits for at least one)."""
    during = sum(read_done[0] < t < read_done[-1] for t in slow_done)
    assert read_done[-1] < max(slow_done)
    assert during <= READS // 2, f"{during} of {len(slow_done)} slow calls finished during {READS} reads"


def test_reads_are_answered_while_directory_password_logins_run(server) -> None:
    world = build_world(server, configure=False)
    slow_done, read_done, answers = _overlap(server, lambda n: world.authenticate(DIRECTORY_PASSWORD))
    assert all(a["Authenticated"] is True for a in answers)
    # Every read was answered while logins were still running: none waited behind them all.
    assert_not_serialized(slow_done, read_done)


def test_reads_are_answered_while_wrong_passwords_and_unknown_users_are_checked(server) -> None:
    world = build_world(server, configure=False)
    slow_done, read_done, answers = _overlap(
        server, lambda n: world.authenticate("Wrong-Pass-1", username=None if n % 2 else f"nobody{n}@acme.awsapps.com"))
    assert {a["Reason"] for a in answers} == {"INVALID_CREDENTIALS", "UNKNOWN_USER"}
    assert_not_serialized(slow_done, read_done)


def test_reads_are_answered_while_passwords_are_set(server, workmail, org_id) -> None:
    slow_done, read_done, answers = _overlap(server, lambda n: workmail.create_user(
        OrganizationId=org_id, Name=f"user{n}", DisplayName=f"User {n}", Password=DIRECTORY_PASSWORD)["UserId"])
    assert len(set(answers)) == LOGINS
    assert_not_serialized(slow_done, read_done)
    # The hashes made off the loop are the ones stored: each user can log in.
    user_id = answers[0]
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="user0@acme.awsapps.com")
    status, body = server.control("POST", "/mailbox/authenticate", {
        "Username": "user0@acme.awsapps.com", "Secret": DIRECTORY_PASSWORD, "Protocol": "IMAP"})
    assert status == 200 and body["Authenticated"] is True and body["UserId"] == user_id


def test_reads_are_answered_while_idc_users_sign_in(server) -> None:
    world = build_world(server)
    slow_done, read_done, answers = _overlap(server, lambda n: world.sign_in(IDC_PASSWORD))
    assert [status for status, _ in answers] == [200] * LOGINS
    assert_not_serialized(slow_done, read_done)


def test_a_password_changed_between_rounds_is_seen(server, workmail) -> None:
    """ResetPassword racing logins: every login is decided against one of the two
    passwords, never half of each (the second round re-reads the stored hash)."""
    world = build_world(server, configure=False)
    new_password = "Another-Pass-2"

    def race(n: int) -> Any:
        if n == 0:
            workmail.reset_password(OrganizationId=world.org_id, UserId=world.user_id, Password=new_password)
            return None
        return world.authenticate(DIRECTORY_PASSWORD)

    _, _, answers = _overlap(server, race)
    assert all(a is None or a.get("Reason") in (None, "INVALID_CREDENTIALS") for a in answers)
    assert world.authenticate(new_password)["Authenticated"] is True
    assert world.authenticate(DIRECTORY_PASSWORD)["Authenticated"] is False
