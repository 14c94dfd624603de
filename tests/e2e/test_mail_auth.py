"""SMTP submission logs in by the one authentication decision (protocol SMTP): tokens and
their scope, expiry, the directory password under each authentication mode; nothing
before AUTH (530); AUTH LOGIN as well as PLAIN; plain SMTP only on loopback."""

from __future__ import annotations

import base64
import smtplib
import subprocess
import sys


from tests.e2e.mail_helpers import add_user, message, send, smtps, subjects, tls_context
from tests.e2e.world import DIRECTORY_PASSWORD, build_world


def _login_code(rig, user: str, secret: str) -> int:
    client = smtplib.SMTP_SSL("localhost", rig.smtps_port, context=tls_context(rig), timeout=30)
    try:
        client.login(user, secret)
        return 235
    except smtplib.SMTPAuthenticationError as exc:
        return exc.smtp_code
    finally:
        client.close()


def test_mail_from_before_auth_is_refused(mail_rig) -> None:
    build_world(mail_rig.server)
    for client in (smtplib.SMTP_SSL("localhost", mail_rig.smtps_port, context=tls_context(mail_rig), timeout=30),
                   smtplib.SMTP("127.0.0.1", mail_rig.smtp_port, timeout=30)):
        with client:
            client.ehlo()
            assert client.has_extn("auth") and "PLAIN" in client.esmtp_features["auth"]
            code, _ = client.mail("ann@acme.awsapps.com")
            assert code == 530
            assert client.rcpt("ann@acme.awsapps.com")[0] == 530


def test_a_token_without_the_smtp_scope_is_refused(mail_rig) -> None:
    world = build_world(mail_rig.server)
    imap_only = world.token(name="imap-only", Scopes=["IMAP"])
    assert _login_code(mail_rig, world.email, imap_only) == 535
    assert _login_code(mail_rig, world.email, world.token(name="smtp", Scopes=["SMTP"])) == 235
    assert world.authenticate(imap_only, "IMAP")["Authenticated"]


def test_an_expired_token_after_advancing_the_clock(mail_rig) -> None:
    world = build_world(mail_rig.server)
    world.put_config(lifetime=1)
    token = world.token()
    assert _login_code(mail_rig, world.email, token) == 235
    mail_rig.server.control("POST", "/clock", {"advance_seconds": 86400 + 1})
    assert _login_code(mail_rig, world.email, token) == 535


def test_the_directory_password_under_each_authentication_mode(mail_rig) -> None:
    world = build_world(mail_rig.server, configure=False)
    assert _login_code(mail_rig, world.email, DIRECTORY_PASSWORD) == 235
    assert _login_code(mail_rig, world.email, "Wrong-Password-1") == 535
    assert _login_code(mail_rig, "nobody@acme.awsapps.com", DIRECTORY_PASSWORD) == 535
    world.put_config(mode="IDENTITY_PROVIDER_AND_DIRECTORY")
    assert _login_code(mail_rig, world.email, DIRECTORY_PASSWORD) == 235
    world.put_config(mode="IDENTITY_PROVIDER_ONLY")
    assert _login_code(mail_rig, world.email, DIRECTORY_PASSWORD) == 535
    assert _login_code(mail_rig, world.email, world.token()) == 235


def test_a_disabled_user_cannot_send(mail_rig) -> None:
    world = build_world(mail_rig.server, configure=False)
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    assert _login_code(mail_rig, world.email, DIRECTORY_PASSWORD) == 535


def test_auth_login_and_plain_over_plain_smtp_on_loopback(mail_rig) -> None:
    world = build_world(mail_rig.server)
    _, bob = add_user(world, "bob")
    token = world.token()
    with smtplib.SMTP("127.0.0.1", mail_rig.smtp_port, timeout=30) as client:
        client.ehlo()
        code, _ = client.docmd("AUTH", "LOGIN " + base64.b64encode(world.email.encode()).decode())
        assert code == 334
        code, _ = client.docmd(base64.b64encode(token.encode()).decode())
        assert code == 235
        client.send_message(message(world.email, [bob], "Over LOGIN"))
    with smtps(mail_rig, world.email, token) as client:  # smtplib picks PLAIN
        client.send_message(message(world.email, [bob], "Over PLAIN"))
    assert subjects(mail_rig, bob) == ["Over LOGIN", "Over PLAIN"]
    # The token opened the mailbox over SMTP: it counts as used.
    [listed] = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)["PersonalAccessTokenSummaries"]
    assert listed.get("DateLastUsed")


def test_the_directory_password_sends_mail(mail_rig) -> None:
    world = build_world(mail_rig.server, configure=False)
    _, bob = add_user(world, "bob")
    send(mail_rig, world.email, DIRECTORY_PASSWORD, message(world.email, [bob], "Password"))
    assert subjects(mail_rig, bob) == ["Password"]


def test_plain_smtp_is_refused_off_loopback_and_settings_are_checked() -> None:
    def serve(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "workmail_local", "serve", "--in-memory", "--port", "0", *args],
                              capture_output=True, text=True, timeout=30)

    refused = serve("--host", "0.0.0.0", "--smtp-port", "2525")
    assert refused.returncode == 2 and "--smtp-port" in refused.stderr and "loopback" in refused.stderr
    assert "HOST:PORT" in serve("--lmtp", "nowhere").stderr
    assert "go together" in serve("--smtps-port", "0", "--tls-cert", "x.pem").stderr
