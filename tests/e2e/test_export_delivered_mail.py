"""Export of really delivered mail: messages sent over SMTPS and delivered by Dovecot's LMTP,
folders made over IMAP (a nested one, a non-ASCII one) with messages COPYed and APPENDed
there; then StartMailboxExportJob → COMPLETED, and the zip in the local S3 directory
holds exactly what IMAP shows: each .eml the bytes IMAP serves, under its folder path."""

from __future__ import annotations

import email
import email.policy
import hashlib
import imaplib
import io
import json
import re
import zipfile

import pytest

from tests.e2e.export_helpers import BUCKET, start, wait_for_end
from tests.e2e.mail_helpers import add_user, message, send, tls_context
from tests.e2e.world import DIRECTORY_PASSWORD, build_world

# "Réunions" in IMAP's modified UTF-7 (RFC 3501 §5.1.3), as a client names it on the wire.
REUNIONS, REUNIONS_UTF7 = "R\u00e9unions", "R&AOk-unions"


@pytest.fixture
def world(mail_rig):
    return build_world(mail_rig.server)


def imap(mail_rig, user: str) -> imaplib.IMAP4_SSL:
    client = imaplib.IMAP4_SSL("localhost", mail_rig.imaps_port, ssl_context=tls_context(mail_rig), timeout=30)
    client.login(user, DIRECTORY_PASSWORD)
    return client


def folder_contents(client: imaplib.IMAP4_SSL) -> dict[str, list[bytes]]:
    """Every folder's messages as IMAP serves them (``BODY.PEEK[]``), by path with ``/`` between levels."""
    _, listed = client.list()
    found: dict[str, list[bytes]] = {}
    for line in listed:
        flags, delimiter, name = re.match(rb'\((.*?)\) "(.)" (.*)', line).groups()
        name = name.decode().strip('"')
        client.select(f'"{name}"', readonly=True)
        _, data = client.search(None, "ALL")
        messages = []
        for number in data[0].split():
            _, parts = client.fetch(number, "(BODY.PEEK[])")
            messages.append(parts[0][1])
        path = name.replace(delimiter.decode(), "/").replace(REUNIONS_UTF7, REUNIONS)
        found[path] = messages
    return found


def test_delivered_mail_in_imap_folders_exports_as_imap_shows_it(mail_rig, world) -> None:
    bob_id, bob = add_user(world, "bob")
    token = world.token()
    for subject in ("First", "Second", "Caf\u00e9 au lait"):
        assert send(mail_rig, world.email, token, message(world.email, [bob], subject, f"Body of {subject}.")) == {}
    client = imap(mail_rig, bob)
    try:
        for folder in ("Projects", "Projects.2026", REUNIONS_UTF7):
            assert client.create(folder)[0] == "OK"
        client.select("INBOX")
        assert client.copy("1", "Projects")[0] == "OK"
        appended = message(bob, [bob], "Draft plan", "Appended over IMAP.\n").as_bytes().replace(b"\n", b"\r\n")
        assert client.append("Projects.2026", "(\\Seen)", None, appended)[0] == "OK"
        assert client.append(REUNIONS_UTF7, None, None, appended.replace(b"Draft plan", b"Ordre du jour"))[0] == "OK"
        shown = folder_contents(client)
    finally:
        client.logout()
    assert sorted(shown) == ["INBOX", "Projects", "Projects/2026", REUNIONS]
    assert sum(len(m) for m in shown.values()) == 6

    job = wait_for_end(world.workmail, world.org_id, start(world.workmail, world.org_id, bob_id))
    assert job["State"] == "COMPLETED", job
    archive = mail_rig.data_dir / "s3" / BUCKET / job["S3Path"]
    data = archive.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert zipped.testzip() is None
        names = zipped.namelist()
        exported: dict[str, list[bytes]] = {}
        for name in names:
            if name.endswith(".eml"):
                exported.setdefault(name.rpartition("/")[0], []).append(zipped.read(name))
    # Only folders and messages: none of Dovecot's own files (uidlist, indexes, subscriptions).
    assert all(n.endswith((".eml", "/")) for n in names), names
    assert sorted(n.rstrip("/") for n in names if n.endswith("/")) == sorted(shown)
    assert {f: sorted(m) for f, m in exported.items()} == {f: sorted(m) for f, m in shown.items()}
    subjects = {f: sorted(email.message_from_bytes(m, policy=email.policy.default)["Subject"] for m in ms)
                for f, ms in exported.items()}
    assert subjects == {"INBOX": ["Caf\u00e9 au lait", "First", "Second"], "Projects": ["First"],
                        "Projects/2026": ["Draft plan"], REUNIONS: ["Ordre du jour"]}
    for messages in exported.values():
        for raw in messages:
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert parsed["From"] and parsed.get_body(preferencelist=("plain",)).get_content().strip()
    output = json.loads(archive.with_name(archive.name + ".json").read_bytes())
    assert output == {
        "totalMessages": "6", "totalFolders": "4", "totalNonExportableItems": "0",
        "totalBytes": str(sum(len(m) for ms in shown.values() for m in ms)),
        "sha384Hash": hashlib.sha384(data).hexdigest(),
        "startTime": output["startTime"], "endTime": output["endTime"],
    }
