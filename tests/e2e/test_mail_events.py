"""Email monitoring events when mail flows: PutEmailMonitoringConfiguration, then a token
sends over SMTPS and the organization's events are JSON lines in its log group's file
under the data directory (never a body or a secret); inbound DMARC shows on the event."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.e2e.mail_helpers import add_group, add_user, message, send, subjects
from tests.e2e.world import build_world

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def world(mail_rig):
    return build_world(mail_rig.server)


def monitor(world) -> str:
    """A fresh log group (the rig's data directory outlives each test's state) configured for the organization."""
    name = f"/aws/workmail/emailevents/acme-{uuid.uuid4().hex[:8]}"
    world.workmail.put_email_monitoring_configuration(
        OrganizationId=world.org_id, LogGroupArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*")
    return name


def log_file(mail_rig, name: str) -> Path:
    return mail_rig.data_dir / "logs" / ACCOUNT / REGION / f"{quote(name, safe='')}.jsonl"


def read_events(mail_rig, name: str) -> list[dict]:
    path = log_file(mail_rig, name)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_delivered_and_an_outside_recipient_write_the_documented_events(mail_rig, world) -> None:
    name = monitor(world)
    _, bob = add_user(world, "bob")
    token = world.token()
    body = "The secret plan is in the attic."
    assert send(mail_rig, world.email, token, message(world.email, [bob, "out@example.com"], "Plans", body)) == {}
    assert subjects(mail_rig, bob) == ["Plans"]

    events = read_events(mail_rig, name)
    assert [e["event"]["eventName"] for e in events] == [
        "OUTGOING_EMAIL_SUBMITTED", "ORGANIZATION_EMAIL_RECEIVED", "MAILBOX_EMAIL_DELIVERED"]
    assert len({e["traceId"] for e in events}) == 1  # one message, one trace
    submitted, received, delivered = (e["event"] for e in events)
    assert submitted == {"eventName": "OUTGOING_EMAIL_SUBMITTED", "recipients": [bob, "out@example.com"],
                         "sender": world.email, "from": world.email, "subject": "Plans"}
    assert received["recipients"] == [bob]
    assert (received["sender"], received["from"], received["subject"]) == (world.email, world.email, "Plans")
    assert received["messageId"] and "@" in received["messageId"]
    # No spam filter runs; SPF/DKIM/DMARC need DNS, never consulted: inconclusive, DMARC enforced by default.
    assert (received["spamVerdict"], received["dkimVerdict"], received["spfVerdict"]) == ("DISABLED", "GRAY", "GRAY")
    assert received["dmarcVerdict"] == "GRAY" and "dmarcPolicy" not in received
    now_ms = world.server.control("GET", "/clock")[1]["now"] * 1000
    assert 0 < received["messageTimestamp"] <= now_ms
    assert delivered == {"eventName": "MAILBOX_EMAIL_DELIVERED", "recipient": bob, "folder": "INBOX"}
    text = log_file(mail_rig, name).read_text()
    assert body not in text and token not in text


def test_a_group_member_over_quota_bounces_and_the_others_are_delivered(mail_rig, world) -> None:
    name = monitor(world)
    bob_id, bob = add_user(world, "bob")
    carl_id, carl = add_user(world, "carl")
    world.workmail.update_mailbox_quota(OrganizationId=world.org_id, UserId=carl_id, MailboxQuota=1)
    _, team = add_group(world, "team", [bob_id, carl_id])
    assert send(mail_rig, world.email, world.token(), message(world.email, [team], "Big", "x" * 1_200_000)) == {}
    events = [e["event"] for e in read_events(mail_rig, name)]
    assert [e["eventName"] for e in events] == [
        "OUTGOING_EMAIL_SUBMITTED", "ORGANIZATION_EMAIL_RECEIVED", "MAILBOX_EMAIL_DELIVERED", "INCOMING_EMAIL_BOUNCED"]
    assert events[1]["recipients"] == [team]
    assert events[2]["recipient"] == bob and events[3] == {"eventName": "INCOMING_EMAIL_BOUNCED",
                                                           "bouncedRecipient": carl}


def test_inbound_dmarc_not_enforced_shows_as_a_disabled_verdict(mail_rig, world) -> None:
    name = monitor(world)
    _, bob = add_user(world, "bob")
    world.workmail.put_inbound_dmarc_settings(OrganizationId=world.org_id, Enforced=False)
    send(mail_rig, world.email, world.token(), message(world.email, [bob], "No DMARC"))
    received = [e["event"] for e in read_events(mail_rig, name)
                if e["event"]["eventName"] == "ORGANIZATION_EMAIL_RECEIVED"]
    assert [r["dmarcVerdict"] for r in received] == ["DISABLED"]


def test_nothing_is_written_without_a_configuration_or_after_it_is_deleted(mail_rig, world) -> None:
    _, bob = add_user(world, "bob")
    token = world.token()
    send(mail_rig, world.email, token, message(world.email, [bob], "Unmonitored"))
    name = monitor(world)
    assert not log_file(mail_rig, name).exists()
    send(mail_rig, world.email, token, message(world.email, [bob], "Monitored"))
    assert len(read_events(mail_rig, name)) == 3
    world.workmail.delete_email_monitoring_configuration(OrganizationId=world.org_id)
    send(mail_rig, world.email, token, message(world.email, [bob], "Unmonitored again"))
    assert len(read_events(mail_rig, name)) == 3
    assert subjects(mail_rig, bob) == ["Unmonitored", "Monitored", "Unmonitored again"]


def test_a_message_to_another_organization_is_in_each_organizations_own_log(mail_rig, world) -> None:
    name = monitor(world)
    other = world.workmail.create_organization(Alias="globex")["OrganizationId"]
    other_name = "/aws/workmail/emailevents/globex-" + uuid.uuid4().hex[:8]
    world.workmail.put_email_monitoring_configuration(
        OrganizationId=other, LogGroupArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{other_name}:*")
    zed = world.workmail.create_user(OrganizationId=other, Name="zed", DisplayName="Zed",
                                     Password="Directory-Pass-1")["UserId"]
    world.workmail.register_to_work_mail(OrganizationId=other, EntityId=zed, Email="zed@globex.awsapps.com")
    send(mail_rig, world.email, world.token(), message(world.email, ["zed@globex.awsapps.com"], "Hi Globex"))
    assert [e["event"]["eventName"] for e in read_events(mail_rig, name)] == ["OUTGOING_EMAIL_SUBMITTED"]
    assert [e["event"]["eventName"] for e in read_events(mail_rig, other_name)] == [
        "ORGANIZATION_EMAIL_RECEIVED", "MAILBOX_EMAIL_DELIVERED"]
