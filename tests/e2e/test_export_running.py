"""Export jobs that take time (``serve --export-job-seconds``): RUNNING with progress,
cancellation, the concurrency limit, deleting the organization, restarts — and real
archives of a Maildir (``serve --mail-dir``), in the local store and in memory."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.export_helpers import (
    BUCKET,
    check_archive,
    describe,
    fill_maildir,
    mailbox_user,
    message,
    start,
    wait_for_end,
    wait_until,
)
from tests.e2e.helpers import code_of, error_of
from workmail_local.testing import LocalServer


def job_state(data_dir: Path, job_id: str) -> tuple[str, str | None]:
    """A job's state and ErrorInfo read from the database (for an organization no longer Active)."""
    with sqlite3.connect(data_dir / "workmail-local.sqlite3") as db:
        return db.execute("SELECT state, error_info FROM mailbox_export_jobs WHERE id = ?", (job_id,)).fetchone()


def test_a_slow_job_runs_shows_progress_and_completes_and_cancel_stops_one(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data, extra_args=["--export-job-seconds", "3"]) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="slow")["OrganizationId"]
        mailbox_user(wm, org, "ann")
        first = start(wm, org, "ann")
        running = describe(wm, org, first)
        assert running["State"] == "RUNNING" and 0 <= running["EstimatedProgress"] < 100
        assert "EndTime" not in running
        wm.cancel_mailbox_export_job(OrganizationId=org, JobId=first)
        cancelled = describe(wm, org, first)
        assert cancelled["State"] == "CANCELLED" and "EndTime" in cancelled and "ErrorInfo" not in cancelled
        # A cancelled job does not use up the mailbox's day, and wrote nothing.
        second = start(wm, org, "ann")
        midway = wait_until(lambda: (lambda d: d if 0 < d["EstimatedProgress"] < 100 else None)(
            describe(wm, org, second)), "progress between 0 and 100")
        assert midway["State"] == "RUNNING"
        done = wait_for_end(wm, org, second)
        assert done["State"] == "COMPLETED" and done["EstimatedProgress"] == 100
        assert describe(wm, org, first) == cancelled
        assert not (data / "s3" / BUCKET / cancelled["S3Path"]).exists()
        assert (data / "s3" / BUCKET / done["S3Path"]).is_file()
        log = server.log()
    archive = str(data / "s3" / BUCKET / done["S3Path"])
    assert f"export job {second} started: mailbox " in log
    assert re.search(f"export job {second}: (25|50|75)%", log)
    assert f"export job {second} COMPLETED" in log and archive in log
    assert f"export job {first} CANCELLED" in log


def test_ten_jobs_run_at_once_and_deleting_the_organization_cancels_them(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data, extra_args=["--export-job-seconds", "600", "--no-export-daily-limit"]) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="busy")["OrganizationId"]
        mailbox_user(wm, org, "ann")
        jobs = [start(wm, org, "ann") for _ in range(10)]  # one mailbox: the daily rule is off
        with pytest.raises(ClientError) as exc:
            start(wm, org, "ann")
        code, message_text = error_of(exc)
        assert code == "LimitExceededException" and "10 mailbox export jobs running" in message_text
        wm.cancel_mailbox_export_job(OrganizationId=org, JobId=jobs[0])
        jobs.append(start(wm, org, "ann"))
        # Another organization has its own ten.
        other = wm.create_organization(Alias="calm")["OrganizationId"]
        mailbox_user(wm, other, "bob")
        other_job = start(wm, other, "bob")
        wm.delete_organization(OrganizationId=org, DeleteDirectory=True, ForceDelete=True)
        for job_id in jobs[1:]:
            assert job_state(data, job_id) == ("CANCELLED", f"The organization {org} was deleted.")
        assert describe(wm, other, other_job)["State"] == "RUNNING"


def test_a_job_running_when_the_server_stops_is_resumed_after_a_restart(tmp_path) -> None:
    data, mail = tmp_path / "data", tmp_path / "mail"
    mail.mkdir()
    with LocalServer(data_dir=data, extra_args=["--export-job-seconds", "600", "--mail-dir", str(mail)]) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="restart")["OrganizationId"]
        user = mailbox_user(wm, org, "ann")
        contents = fill_maildir(mail, user, {"INBOX": [message("Kept across a restart")]})
        job_id = start(wm, org, "ann", ClientToken="restart-1")
        done_before = start(wm, org, mailbox_user(wm, org, "bob"))
        wm.cancel_mailbox_export_job(OrganizationId=org, JobId=done_before)
        before = describe(wm, org, done_before)
        assert describe(wm, org, job_id)["State"] == "RUNNING"
    # The next server runs jobs at once: the one left RUNNING finishes with the whole archive.
    with LocalServer(data_dir=data, extra_args=["--mail-dir", str(mail)]) as server:
        wm = server.client("workmail")
        job = wait_for_end(wm, org, job_id)
        assert job["State"] == "COMPLETED"
        archive = data / "s3" / BUCKET / job["S3Path"]
        check_archive(archive.read_bytes(), archive.with_name(archive.name + ".json").read_bytes(), contents, job)
        assert describe(wm, org, done_before) == before
        assert start(wm, org, "ann", ClientToken="restart-1") == job_id
        assert [j["JobId"] for j in wm.list_mailbox_export_jobs(OrganizationId=org)["Jobs"]] == [job_id, done_before]


def test_the_archive_holds_every_message_of_every_folder(tmp_path) -> None:
    data, mail = tmp_path / "data", tmp_path / "mail"
    mail.mkdir()
    with LocalServer(data_dir=data, extra_args=["--mail-dir", str(mail)]) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="full")["OrganizationId"]
        user = mailbox_user(wm, org, "ann")
        room = wm.create_resource(OrganizationId=org, Name="hall", Type="ROOM")["ResourceId"]
        wm.register_to_work_mail(OrganizationId=org, EntityId=room, Email="hall@full.awsapps.com")
        attachment = (b"From: dan@example.com\r\nSubject: With a file\r\nMIME-Version: 1.0\r\n"
                      b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\n"
                      b"See attached.\r\n--XX\r\nContent-Type: application/octet-stream\r\n"
                      b"Content-Disposition: attachment; filename=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                      b"AAECAw==\r\n--XX--\r\n")
        contents = fill_maildir(mail, user, {
            "INBOX": [message("First"), message("Second", "Unicode \u00e9t\u00e9\n"), attachment],
            "Sent": [message("Sent one", sender="ann@full.awsapps.com")],
            "Archive/2026": [message("Old news")],
            "Drafts": [],
        })
        hall = fill_maildir(mail, room, {"INBOX": [message("Booking")]})
        for entity, expected in ((user, contents), (room, hall)):
            job = wait_for_end(wm, org, start(wm, org, entity))
            assert job["State"] == "COMPLETED"
            archive = data / "s3" / BUCKET / job["S3Path"]
            check_archive(archive.read_bytes(), archive.with_name(archive.name + ".json").read_bytes(), expected, job)


def test_in_memory_archives_go_to_a_temporary_directory_named_in_the_log(tmp_path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    with LocalServer(in_memory=True, extra_args=["--mail-dir", str(mail)]) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="memory")["OrganizationId"]
        user = mailbox_user(wm, org, "ann")
        contents = fill_maildir(mail, user, {"INBOX": [message("In memory")]})
        job_id = start(wm, org, user)
        job = wait_for_end(wm, org, job_id)
        log = server.log()
    assert "archives go to the embedded S3 directory, a temporary directory made on the first export" in log
    archive = Path(re.search(rf"export job {job_id} COMPLETED .* -> (\S+)", log).group(1))
    tail = f"/{BUCKET}/{job['S3Path']}"
    assert str(archive).endswith(tail) and Path(str(archive)[:-len(tail)]).name.startswith("workmail-local-s3-")
    check_archive(archive.read_bytes(), archive.with_name(archive.name + ".json").read_bytes(), contents, job)


def test_bad_export_settings_stop_the_server(tmp_path) -> None:
    for args in (["--export-job-seconds", "-1"], ["--s3-endpoint-url", "ftp://x"],
                 ["--availability-lambda-endpoints", "not-an-arn=http://127.0.0.1:1"]):
        server = LocalServer(in_memory=True, extra_args=args)
        with pytest.raises(RuntimeError, match="must be"):
            server.start()


def test_unknown_job_on_a_restarted_server_is_still_not_found(tmp_path) -> None:
    with LocalServer(data_dir=tmp_path / "data") as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="empty")["OrganizationId"]
        with pytest.raises(ClientError) as exc:
            wm.describe_mailbox_export_job(OrganizationId=org, JobId="missing-job")
        assert code_of(exc) == "EntityNotFoundException"


def test_the_in_process_mock_runs_export_jobs_too() -> None:
    import boto3

    from workmail_local.testing import mock_workmail

    with mock_workmail():
        wm = boto3.client("workmail", region_name="us-east-1")
        org = wm.create_organization(Alias="mocked")["OrganizationId"]
        mailbox_user(wm, org, "ann")
        assert wait_for_end(wm, org, start(wm, org, "ann"))["State"] == "COMPLETED"
