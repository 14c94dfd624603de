"""What the mailbox export tests share: mailboxes with messages in a Maildir, starting a
job, waiting for it to end (polling, never timing), and reading the archive back."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import json
import mailbox
import re
import time
import zipfile
from pathlib import Path
from typing import Any

ROLE_ARN = "arn:aws:iam::123456789012:role/workmail-export"
KMS_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
BUCKET = "exports-bucket"
PREFIX = "workmail/exports"


def mailbox_user(workmail: Any, org_id: str, name: str) -> str:
    """A user registered to WorkMail (so it has a mailbox), ``<name>@<alias>.awsapps.com``."""
    user_id = workmail.create_user(OrganizationId=org_id, Name=name, DisplayName=name.title(),
                                   Password="Correct-Horse-9")["UserId"]
    alias = workmail.describe_organization(OrganizationId=org_id)["DefaultMailDomain"]
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email=f"{name}@{alias}")
    return user_id


def start(workmail: Any, org_id: str, entity: str, **extra: Any) -> str:
    """StartMailboxExportJob with the usual role, key, bucket and prefix; the JobId."""
    params = {"OrganizationId": org_id, "EntityId": entity, "RoleArn": ROLE_ARN, "KmsKeyArn": KMS_KEY_ARN,
              "S3BucketName": BUCKET, "S3Prefix": PREFIX, **extra}
    return workmail.start_mailbox_export_job(**params)["JobId"]


def describe(workmail: Any, org_id: str, job_id: str) -> dict[str, Any]:
    answer = workmail.describe_mailbox_export_job(OrganizationId=org_id, JobId=job_id)
    answer.pop("ResponseMetadata")
    return answer


def wait_until(check: Any, what: str, limit: float = 60.0) -> Any:
    """Poll ``check()`` until it returns something true (the deadline only stops a hang)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def wait_for_end(workmail: Any, org_id: str, job_id: str) -> dict[str, Any]:
    """The job once it is no longer RUNNING."""
    return wait_until(lambda: (lambda d: d if d["State"] != "RUNNING" else None)(describe(workmail, org_id, job_id)),
                      f"job {job_id} to end")


def fill_maildir(mail_dir: Path, entity_id: str, folders: dict[str, list[bytes]]) -> dict[str, list[bytes]]:
    """Messages put straight into ``<mail-dir>/<entity-id>/Maildir`` (as Dovecot keeps it):
    ``{"INBOX": [...], "Sent": [...], "Archive/2026": [...]}``; an empty list makes an empty folder."""
    root = mail_dir / entity_id / "Maildir"
    root.parent.mkdir(parents=True, exist_ok=True)
    inbox = mailbox.Maildir(root, create=True)
    for path, messages in folders.items():
        folder = inbox if path == "INBOX" else inbox.add_folder(path.replace("/", "."))
        for message in messages:
            folder.add(message)
    return folders


def message(subject: str, body: str = "Hello.\n", sender: str = "carol@example.com") -> bytes:
    """An RFC 5322 message."""
    return (f"From: {sender}\r\nTo: someone@acme.awsapps.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <{abs(hash(subject))}@example.com>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()


def read_archive(data: bytes) -> tuple[dict[str, list[bytes]], list[str]]:
    """The zip's messages by folder path, and its folder (directory) entries."""
    by_folder: dict[str, list[bytes]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        for name in names:
            if name.endswith(".eml"):
                folder, _, _ = name.rpartition("/")
                by_folder.setdefault(folder, []).append(archive.read(name))
    return by_folder, [n.rstrip("/") for n in names if n.endswith("/")]


def check_archive(data: bytes, log_json: bytes, expected: dict[str, list[bytes]], job: dict[str, Any]) -> None:
    """The archive holds exactly ``expected`` (folder → messages), each ``.eml`` parses as the
    message it was (with RFC 5322's CRLF line ends, as IMAP serves it), and the output
    log's counts, hash and times match."""
    expected = {f: [re.sub(rb"(?<!\r)\n", b"\r\n", m) for m in ms] for f, ms in expected.items()}
    by_folder, folders = read_archive(data)
    assert sorted(folders) == sorted(expected)
    assert {f: sorted(m) for f, m in by_folder.items()} == {f: sorted(m) for f, m in expected.items() if m}
    for folder, messages in by_folder.items():
        originals = {email.message_from_bytes(m, policy=email.policy.default)["Subject"] for m in expected[folder]}
        parsed = [email.message_from_bytes(m, policy=email.policy.default) for m in messages]
        assert {p["Subject"] for p in parsed} == originals
        assert all(p["From"] and p.get_body(preferencelist=("plain",)).get_content() for p in parsed)
    output = json.loads(log_json)
    assert all(type(v) is str for v in output.values())
    assert output == {
        "totalMessages": str(sum(len(m) for m in expected.values())),
        "totalBytes": str(sum(len(x) for m in expected.values() for x in m)),
        "totalFolders": str(len(expected)),
        "totalNonExportableItems": "0",
        "sha384Hash": hashlib.sha384(data).hexdigest(),
        "startTime": output["startTime"],
        "endTime": output["endTime"],
    }
    # Epoch milliseconds of the job's StartTime and EndTime (the wire rounds to milliseconds).
    assert abs(int(output["startTime"]) - job["StartTime"].timestamp() * 1000) <= 1
    assert abs(int(output["endTime"]) - job["EndTime"].timestamp() * 1000) <= 1
    assert int(output["startTime"]) <= int(output["endTime"])
