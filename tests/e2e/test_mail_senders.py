"""Who may send as whom: the envelope sender and From: must be the user's own address or
one it has SEND_AS on (directly or through a group); SEND_ON_BEHALF needs Sender: the user."""

from __future__ import annotations

import smtplib

import pytest

from tests.e2e.mail_helpers import DOMAIN, add_group, add_user, message, send, smtps, subjects
from tests.e2e.world import build_world


@pytest.fixture
def world(mail_rig):
    return build_world(mail_rig.server)


def _grant(world, owner: str, grantee: str, *values: str) -> None:
    world.workmail.put_mailbox_permissions(OrganizationId=world.org_id, EntityId=owner, GranteeId=grantee,
                                           PermissionValues=list(values))


def test_another_users_address_is_refused_without_send_as(mail_rig, world) -> None:
    _, bob = add_user(world, "bob")
    _, carl = add_user(world, "carl")
    token = world.token()
    with pytest.raises(smtplib.SMTPSenderRefused) as exc:
        send(mail_rig, world.email, token, message(bob, [carl], "Forged envelope"))
    assert exc.value.smtp_code == 550 and b"may not send as" in exc.value.smtp_error
    # The envelope is Ann's own, the From: header is not.
    with pytest.raises(smtplib.SMTPDataError) as data_exc:
        send(mail_rig, world.email, token, message(bob, [carl], "Forged header"), envelope_from=world.email)
    assert data_exc.value.smtp_code == 550 and b"From:" in data_exc.value.smtp_error
    assert subjects(mail_rig, carl) == []


def test_own_alias_and_send_as(mail_rig, world) -> None:
    bob_id, bob = add_user(world, "bob")
    _, carl = add_user(world, "carl")
    world.workmail.create_alias(OrganizationId=world.org_id, EntityId=world.user_id, Alias=f"annie@{DOMAIN}")
    token = world.token()
    send(mail_rig, world.email, token, message(f"annie@{DOMAIN}", [carl], "From my alias"))
    _grant(world, bob_id, world.user_id, "SEND_AS")
    send(mail_rig, world.email, token, message(bob, [carl], "As Bob"))
    assert subjects(mail_rig, carl) == ["From my alias", "As Bob"]


def test_send_as_granted_to_a_group_the_user_belongs_to(mail_rig, world) -> None:
    desk_id, desk = add_group(world, "desk", [])
    outer_id, _ = add_group(world, "outer", [])
    inner_id, _ = add_group(world, "inner", [world.user_id])
    world.workmail.associate_member_to_group(OrganizationId=world.org_id, GroupId=outer_id, MemberId=inner_id)
    _, carl = add_user(world, "carl")
    token = world.token()
    with pytest.raises(smtplib.SMTPSenderRefused):
        send(mail_rig, world.email, token, message(desk, [carl], "Desk"))
    _grant(world, desk_id, outer_id, "SEND_AS")
    send(mail_rig, world.email, token, message(desk, [carl], "Desk"))
    assert subjects(mail_rig, carl) == ["Desk"]


def test_send_on_behalf_needs_sender_the_user(mail_rig, world) -> None:
    bob_id, bob = add_user(world, "bob")
    _, carl = add_user(world, "carl")
    _grant(world, bob_id, world.user_id, "SEND_ON_BEHALF")
    token = world.token()
    with pytest.raises(smtplib.SMTPDataError) as exc:
        send(mail_rig, world.email, token, message(bob, [carl], "No Sender"))
    assert exc.value.smtp_code == 550 and b"Sender:" in exc.value.smtp_error
    with pytest.raises(smtplib.SMTPDataError):
        send(mail_rig, world.email, token, message(bob, [carl], "Wrong Sender", Sender=bob))
    send(mail_rig, world.email, token, message(bob, [carl], "On behalf", Sender=world.email))
    send(mail_rig, world.email, token, message(bob, [carl], "On behalf, own envelope", Sender=world.email),
         envelope_from=world.email)
    assert subjects(mail_rig, carl) == ["On behalf", "On behalf, own envelope"]


def test_a_null_sender_is_refused(mail_rig, world) -> None:
    _, carl = add_user(world, "carl")
    with smtps(mail_rig, world.email, world.token()) as client:
        code, text = client.mail("")
    assert code == 550
