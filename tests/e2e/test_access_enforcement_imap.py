"""Access control rules enforced for real mail clients: imaplib logs in through a real
Dovecot, whose checkpassword adapter passes the client's address (127.0.0.1) on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.dovecot_rig import Dovecot, require_dovecot
from tests.e2e.test_imap import imap_login
from tests.e2e.world import DIRECTORY_PASSWORD, World, build_world


@pytest.fixture(scope="module")
def dovecot(live_server) -> Iterator[Dovecot]:
    require_dovecot()
    rig = Dovecot(live_server.url)
    yield rig
    rig.stop()


def put(world: World, name: str, **conditions) -> None:
    world.workmail.put_access_control_rule(OrganizationId=world.org_id, Name=name, Effect="DENY",
                                           Description="test rule", **conditions)


def delete(world: World, name: str) -> None:
    world.workmail.delete_access_control_rule(OrganizationId=world.org_id, Name=name)


def login_answer(world: World, secret: str, protocol: str = "IMAP", source_ip: str = "127.0.0.1") -> dict:
    status, body = world.server.control("POST", "/mailbox/authenticate", {
        "Username": world.email, "Secret": secret, "Protocol": protocol, "SourceIp": source_ip})
    assert status == 200, body
    return body


def test_a_deny_rule_for_imap_from_loopback_refuses_a_token_that_worked(server, dovecot) -> None:
    world = build_world(server)
    token = world.token()
    assert imap_login(dovecot, world.email, token)
    assert login_answer(world, token)["Authenticated"] is True

    put(world, "no-loopback-imap", IpRanges=["127.0.0.0/8"], Actions=["IMAP"])
    assert not imap_login(dovecot, world.email, token)
    assert not imap_login(dovecot, world.email, DIRECTORY_PASSWORD)
    assert login_answer(world, token) == {"Authenticated": False, "Reason": "ACCESS_CONTROL_RULE_DENIED",
                                          "MatchedRules": ["no-loopback-imap"]}
    # The same rule lets other addresses and other protocols through.
    assert login_answer(world, token, source_ip="10.0.0.1")["Authenticated"] is True
    assert login_answer(world, token, protocol="EWS")["Authenticated"] is True

    delete(world, "no-loopback-imap")
    assert imap_login(dovecot, world.email, token)


def test_not_ip_ranges_and_not_actions_variants(server, dovecot) -> None:
    world = build_world(server, configure=False)
    put(world, "outside-office", NotIpRanges=["10.0.0.0/8"])     # loopback is outside the office
    assert not imap_login(dovecot, world.email, DIRECTORY_PASSWORD)
    put(world, "outside-office", NotIpRanges=["127.0.0.0/8"])    # now loopback is the office
    assert imap_login(dovecot, world.email, DIRECTORY_PASSWORD)

    delete(world, "outside-office")
    put(world, "only-imap", NotActions=["IMAP"])                 # denies every protocol but IMAP
    assert imap_login(dovecot, world.email, DIRECTORY_PASSWORD)
    assert login_answer(world, DIRECTORY_PASSWORD, "SMTP")["Reason"] == "ACCESS_CONTROL_RULE_DENIED"
    put(world, "only-imap", NotActions=["EWS"])                  # now IMAP is denied
    assert not imap_login(dovecot, world.email, DIRECTORY_PASSWORD)


def test_no_rules_at_all_close_every_mailbox(server, dovecot) -> None:
    world = build_world(server, configure=False)
    delete(world, "default")
    assert not imap_login(dovecot, world.email, DIRECTORY_PASSWORD)
    assert login_answer(world, DIRECTORY_PASSWORD) == {"Authenticated": False,
                                                       "Reason": "ACCESS_CONTROL_RULE_DENIED", "MatchedRules": []}
    world.workmail.put_access_control_rule(OrganizationId=world.org_id, Name="imap-only", Effect="ALLOW",
                                           Description="IMAP from loopback", Actions=["IMAP"],
                                           IpRanges=["127.0.0.1/32"])
    assert imap_login(dovecot, world.email, DIRECTORY_PASSWORD)
    # Wrong credentials are still wrong credentials: the rules come after them.
    assert login_answer(world, "Wrong-Pass-1")["Reason"] == "INVALID_CREDENTIALS"


def test_the_web_counts_as_webmail_and_a_login_without_an_address_meets_no_ip_condition(server) -> None:
    world = build_world(server, configure=False)
    put(world, "no-webmail", Actions=["WebMail"])
    assert login_answer(world, DIRECTORY_PASSWORD, "WEB")["MatchedRules"] == ["no-webmail"]
    assert login_answer(world, DIRECTORY_PASSWORD, "IMAP")["Authenticated"] is True
    delete(world, "no-webmail")
    put(world, "outside-office", NotIpRanges=["10.0.0.0/8"])
    assert login_answer(world, DIRECTORY_PASSWORD, source_ip="::ffff:192.0.2.1")["Reason"] == \
        "ACCESS_CONTROL_RULE_DENIED"
    assert login_answer(world, DIRECTORY_PASSWORD, source_ip="2001:db8::1")["Reason"] == "ACCESS_CONTROL_RULE_DENIED"
    assert login_answer(world, DIRECTORY_PASSWORD, source_ip="10.1.2.3")["Authenticated"] is True
    assert world.authenticate(DIRECTORY_PASSWORD)["Authenticated"] is True  # no SourceIp: no address to judge


def test_a_token_the_rules_refuse_is_not_marked_used(server) -> None:
    world = build_world(server)
    token = world.token()
    put(world, "no-imap", Actions=["IMAP"])
    assert login_answer(world, token)["Reason"] == "ACCESS_CONTROL_RULE_DENIED"
    [summary] = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)["PersonalAccessTokenSummaries"]
    assert "DateLastUsed" not in summary
    assert login_answer(world, token, protocol="EWS")["Authenticated"] is True
    [summary] = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)["PersonalAccessTokenSummaries"]
    assert "DateLastUsed" in summary
