"""Real mail clients: Python's imaplib logs in through a real Dovecot, whose checkpassword
adapter asks WorkMail Local. The identity-provider configuration takes effect here."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest

from tests.e2e.dovecot_rig import Dovecot, require_dovecot
from tests.e2e.world import DIRECTORY_PASSWORD, build_world


@pytest.fixture(scope="module")
def dovecot(live_server) -> Iterator[Dovecot]:
    require_dovecot()
    rig = Dovecot(live_server.url)
    yield rig
    rig.stop()


def imap_login(dovecot: Dovecot, user: str, secret: str) -> bool:
    """True when Dovecot accepts the login (and the mailbox opens), False when it refuses."""
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    try:
        client.login(user, secret)
    except imaplib.IMAP4.error as exc:
        assert b"AUTHENTICATIONFAILED" in str(exc).encode() or "Authentication failed" in str(exc), exc
        return False
    status, _ = client.select("INBOX")
    assert status == "OK"
    client.logout()
    return True


def test_directory_password_without_configuration(server, dovecot) -> None:
    world = build_world(server, configure=False)
    assert imap_login(dovecot, world.email, DIRECTORY_PASSWORD)
    assert not imap_login(dovecot, world.email, "Wrong-Password-1")
    assert not imap_login(dovecot, "nobody@acme.awsapps.com", DIRECTORY_PASSWORD)


def test_pat_and_password_under_identity_provider_and_directory(server, dovecot) -> None:
    world = build_world(server, mfa=True)
    token = world.token()
    assert imap_login(dovecot, world.email, token)
    assert imap_login(dovecot, world.email, DIRECTORY_PASSWORD)


def test_identity_provider_only_refuses_the_password_but_not_the_token(server, dovecot) -> None:
    world = build_world(server)
    token = world.token()
    world.put_config(mode="IDENTITY_PROVIDER_ONLY")
    assert imap_login(dovecot, world.email, token)
    assert not imap_login(dovecot, world.email, DIRECTORY_PASSWORD)


def test_expired_deleted_and_inactive_tokens_fail(server, dovecot) -> None:
    world = build_world(server)
    world.put_config(mode="IDENTITY_PROVIDER_ONLY", lifetime=1)
    expiring = world.token(name="expiring")
    status, created = world.create_token(name="deleted")
    assert status == 200
    kept = world.token(name="kept")
    for token in (expiring, created["Token"], kept):
        assert imap_login(dovecot, world.email, token)

    world.workmail.delete_personal_access_token(OrganizationId=world.org_id,
                                                PersonalAccessTokenId=created["PersonalAccessTokenId"])
    assert not imap_login(dovecot, world.email, created["Token"])

    world.put_config(mode="IDENTITY_PROVIDER_ONLY", status="INACTIVE", lifetime=1)
    assert not imap_login(dovecot, world.email, kept)
    world.put_config(mode="IDENTITY_PROVIDER_ONLY", status="ACTIVE", lifetime=1)
    assert imap_login(dovecot, world.email, kept)

    server.control("POST", "/clock", {"advance_seconds": 86400 + 1})
    assert not imap_login(dovecot, world.email, expiring)


def test_imap_login_sets_date_last_used(server, dovecot) -> None:
    world = build_world(server)
    token = world.token()
    summaries = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)
    assert "DateLastUsed" not in summaries["PersonalAccessTokenSummaries"][0]
    assert imap_login(dovecot, world.email, token)
    summaries = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id, UserId=world.user_id)
    summary = summaries["PersonalAccessTokenSummaries"][0]
    assert summary["DateLastUsed"] >= summary["DateCreated"]


def test_dovecot_answers_temporary_failure_when_workmail_local_is_down(server) -> None:
    require_dovecot()
    rig = Dovecot("http://127.0.0.1:9")  # nothing listens on the discard port
    try:
        client = imaplib.IMAP4("127.0.0.1", rig.port)
        with pytest.raises(imaplib.IMAP4.error) as exc:
            client.login("ann@acme.awsapps.com", "whatever")
        assert "UNAVAILABLE" in str(exc.value)
        log = rig.log()
        assert "exited with status 111" in log
        assert "whatever" not in log  # the secret never reaches a log
    finally:
        rig.stop()
