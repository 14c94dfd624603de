"""Mail clients for the mail tests: Python's smtplib over SMTPS and imaplib over IMAPS,
trusting the certificate WorkMail Local generated; and a world of users and groups."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from tests.e2e.dovecot_rig import MailRig
from tests.e2e.world import DIRECTORY_PASSWORD, World

DOMAIN = "acme.awsapps.com"


def tls_context(rig: MailRig) -> ssl.SSLContext:
    """A client context trusting exactly the generated certificate (hostname checked)."""
    return ssl.create_default_context(cafile=str(rig.cert))


def message(sender: str, to: list[str], subject: str, body: str = "Hello there.", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body)
    return msg


def smtps(rig: MailRig, user: str, secret: str) -> smtplib.SMTP_SSL:
    client = smtplib.SMTP_SSL("localhost", rig.smtps_port, context=tls_context(rig), timeout=30)
    client.login(user, secret)
    return client


def send(rig: MailRig, user: str, secret: str, msg: EmailMessage, envelope_from: str | None = None,
         to: list[str] | None = None) -> dict[str, Any]:
    """Send over SMTPS; smtplib's refused-recipients dict."""
    with smtps(rig, user, secret) as client:
        return client.send_message(msg, from_addr=envelope_from, to_addrs=to)


def subjects(rig: MailRig, user: str, secret: str = DIRECTORY_PASSWORD) -> list[str]:
    """The subjects in the user's INBOX, read over IMAPS."""
    client = imaplib.IMAP4_SSL("localhost", rig.imaps_port, ssl_context=tls_context(rig), timeout=30)
    try:
        client.login(user, secret)
        client.select("INBOX", readonly=True)
        _, data = client.search(None, "ALL")
        found = []
        for number in data[0].split():
            _, parts = client.fetch(number, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            found.append(parts[0][1].decode().partition(":")[2].strip())
        return found
    finally:
        client.logout()


def add_user(world: World, name: str, password: str = DIRECTORY_PASSWORD) -> tuple[str, str]:
    """A registered user of the world's organization: (ID, email)."""
    user_id = world.workmail.create_user(OrganizationId=world.org_id, Name=name, DisplayName=name.title(),
                                         Password=password)["UserId"]
    email = f"{name}@{DOMAIN}"
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=user_id, Email=email)
    return user_id, email


def add_group(world: World, name: str, members: list[str]) -> tuple[str, str]:
    group_id = world.workmail.create_group(OrganizationId=world.org_id, Name=name)["GroupId"]
    email = f"{name}@{DOMAIN}"
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=group_id, Email=email)
    for member in members:
        world.workmail.associate_member_to_group(OrganizationId=world.org_id, GroupId=group_id, MemberId=member)
    return group_id, email
