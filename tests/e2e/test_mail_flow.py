"""Mail that flows: a token sends over SMTPS, Dovecot's LMTP delivers, users read over IMAPS.
Recipients are resolved from the directory: users, aliases, groups (nested, each member
once), resources, disabled users (550 for that one) and outside addresses (queued)."""

from __future__ import annotations

import smtplib

import pytest

from tests.e2e.mail_helpers import DOMAIN, add_group, add_user, message, send, subjects
from tests.e2e.world import build_world
from workmail_local.mail import mailstore


@pytest.fixture
def world(mail_rig):
    return build_world(mail_rig.server)


def test_a_token_sends_to_a_user_who_reads_it_and_the_mailbox_grows(mail_rig, world) -> None:
    bob_id, bob = add_user(world, "bob")
    before = world.workmail.get_mailbox_details(OrganizationId=world.org_id, UserId=bob_id)["MailboxSize"]
    assert before == 0
    token = world.token()
    refused = send(mail_rig, world.email, token, message(world.email, [bob], "Lunch?", "x" * 300_000))
    assert refused == {}
    assert subjects(mail_rig, bob) == ["Lunch?"]
    after = world.workmail.get_mailbox_details(OrganizationId=world.org_id, UserId=bob_id)["MailboxSize"]
    assert after > 0.28  # MB: the 300 kB message is in the mailbox
    # The mailbox is keyed by the user's ID, not an address, and the ID shows in no header.
    maildir = mail_rig.directory / "mail" / bob_id / "Maildir"
    assert maildir.is_dir()
    [stored] = [f for sub in ("new", "cur") for f in (maildir / sub).iterdir()]
    assert bob_id.encode() not in stored.read_bytes()


def test_to_an_alias_in_any_case(mail_rig, world) -> None:
    bob_id, bob = add_user(world, "bob")
    world.workmail.create_alias(OrganizationId=world.org_id, EntityId=bob_id, Alias=f"robert@{DOMAIN}")
    send(mail_rig, world.email, world.token(), message(world.email, [f"Robert@{DOMAIN.upper()}"], "Via alias"))
    assert subjects(mail_rig, bob) == ["Via alias"]


def test_a_group_with_a_nested_group_and_an_overlapping_member_gets_one_copy_each(mail_rig, world) -> None:
    ids = {}
    for name in ("bob", "carl", "dave"):
        ids[name] = add_user(world, name)[0]
    sub_id, _ = add_group(world, "sub", [ids["carl"], ids["dave"]])
    _, team = add_group(world, "team", [ids["bob"], ids["carl"], sub_id])
    # A loop back to the outer group cannot make a second copy (nor hang).
    refused = send(mail_rig, world.email, world.token(),
                   message(world.email, [team, f"carl@{DOMAIN}"], "All hands"))
    assert refused == {}
    for name in ("bob", "carl", "dave"):
        assert subjects(mail_rig, f"{name}@{DOMAIN}") == ["All hands"], name


def test_a_disabled_user_is_refused_and_the_others_still_get_it(mail_rig, world) -> None:
    _, bob = add_user(world, "bob")
    carl_id, carl = add_user(world, "carl")
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=carl_id)
    refused = send(mail_rig, world.email, world.token(), message(world.email, [bob, carl], "Partly"))
    assert list(refused) == [carl]
    assert refused[carl][0] == 550 and b"5.1.1" in refused[carl][1]
    assert subjects(mail_rig, bob) == ["Partly"]
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(mail_rig, world.email, world.token(), message(world.email, [f"nobody@{DOMAIN}"], "Nobody"))


def test_a_disabled_group_member_is_left_out(mail_rig, world) -> None:
    bob_id, bob = add_user(world, "bob")
    carl_id, _ = add_user(world, "carl")
    _, team = add_group(world, "team", [bob_id, carl_id])
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=carl_id)
    assert send(mail_rig, world.email, world.token(), message(world.email, [team], "Team")) == {}
    assert subjects(mail_rig, bob) == ["Team"]
    assert mailstore.size_bytes(mail_rig.directory / "mail" / carl_id / "Maildir") == 0


def test_a_resource_gets_its_own_mailbox(mail_rig, world) -> None:
    room = world.workmail.create_resource(OrganizationId=world.org_id, Name="atrium", Type="ROOM")["ResourceId"]
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=room, Email=f"atrium@{DOMAIN}")
    assert send(mail_rig, world.email, world.token(), message(world.email, [f"atrium@{DOMAIN}"], "Booking")) == {}
    assert mailstore.size_bytes(mail_rig.directory / "mail" / room / "Maildir") > 0


def test_outside_addresses_are_queued_and_nothing_is_delivered(mail_rig, world) -> None:
    _, bob = add_user(world, "bob")
    msg = message(world.email, ["friend@example.com", bob], "Outside", "secret body text")
    assert send(mail_rig, world.email, world.token(), msg) == {}
    status, body = mail_rig.server.control("GET", "/mail/outbound")
    assert status == 200
    [queued] = body["Messages"]
    assert queued["From"] == world.email and queued["Recipients"] == ["friend@example.com"]
    assert queued["Subject"] == "Outside" and queued["Size"] > 0 and queued["MessageId"]
    assert isinstance(queued["Time"], float)
    assert subjects(mail_rig, bob) == ["Outside"]
    assert mail_rig.server.control("DELETE", "/mail/outbound")[0] == 200
    assert mail_rig.server.control("GET", "/mail/outbound")[1] == {"Messages": []}


def test_quota_exceeded_for_that_recipient_and_too_large_at_data(mail_rig, world) -> None:
    bob_id, bob = add_user(world, "bob")
    _, carl = add_user(world, "carl")
    world.workmail.update_mailbox_quota(OrganizationId=world.org_id, UserId=bob_id, MailboxQuota=1)
    big = message(world.email, [bob, carl], "Big", ("y" * 70 + "\n") * 17_000)
    refused = send(mail_rig, world.email, world.token(), big)
    assert list(refused) == [bob] and refused[bob][0] == 552 and b"5.2.2" in refused[bob][1]
    assert subjects(mail_rig, carl) == ["Big"]
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(mail_rig, world.email, world.token(), message(world.email, [bob], "Big again", "y" * 1_200_000))
    # Over the size limit (2 MiB in this rig): 552 at MAIL FROM when SIZE says so, else at DATA.
    huge = message(world.email, [carl], "Huge", ("z" * 70 + "\n") * 36_000).as_string()
    with smtplib.SMTP("127.0.0.1", mail_rig.smtp_port, timeout=30) as client:
        client.login(world.email, world.token(name="huge"))
        with pytest.raises(smtplib.SMTPSenderRefused) as exc:
            client.sendmail(world.email, [carl], huge)
        assert exc.value.smtp_code == 552
        assert client.mail(world.email)[0] == 250 and client.rcpt(carl)[0] == 250
        assert client.data(huge)[0] == 552
    assert subjects(mail_rig, carl) == ["Big"]


def test_one_log_line_per_message_without_body_or_secret(mail_rig, world) -> None:
    _, bob = add_user(world, "bob")
    token = world.token()
    earlier = len(mail_rig.server.log())
    send(mail_rig, world.email, token, message(world.email, [bob], "Logged", "the-body-marker-1234"))
    log = mail_rig.server.log()
    lines = [line for line in log[earlier:].splitlines() if "mail message_id=" in line]
    assert len(lines) == 1 and "recipients=1" in lines[0] and ":delivered" in lines[0] and "size=" in lines[0]
    assert "the-body-marker-1234" not in log and token not in log


def test_the_server_says_where_mail_is_served(mail_rig) -> None:
    status, info = mail_rig.server.control("GET", "/mail")
    assert status == 200
    assert info == {"Smtps": f"127.0.0.1:{mail_rig.smtps_port}", "Smtp": f"127.0.0.1:{mail_rig.smtp_port}",
                    "TlsCertificate": str(mail_rig.cert.resolve()),
                    "TlsKey": str(mail_rig.cert.with_suffix(".key").resolve()),
                    "Lmtp": f"127.0.0.1:{mail_rig.lmtp_port}", "MailDir": str((mail_rig.directory / "mail").resolve())}
