"""Mailbox export jobs on the shared server (no mail store: every mailbox exports a valid
empty archive): each operation, every modelled error, limits, List's window, idempotency."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.export_helpers import (
    BUCKET,
    KMS_KEY_ARN,
    PREFIX,
    ROLE_ARN,
    check_archive,
    describe,
    mailbox_user,
    start,
    wait_for_end,
)
from tests.e2e.helpers import check_organization_errors, code_of, error_of, pattern
from workmail_local.testing import LocalServer

DAY = 86400


def local_object(server: LocalServer, bucket: str, key: str) -> Path:
    """Where the embedded store keeps an object: ``<data-dir>/s3/<bucket>/<key>``."""
    if server.data_dir is None:
        pytest.skip("the shared server has no data directory (PostgreSQL run)")
    return server.data_dir / "s3" / bucket / key


def test_a_job_exports_an_empty_mailbox_to_the_local_store(workmail, server, org_id) -> None:
    user = mailbox_user(workmail, org_id, "ann")
    job_id = start(workmail, org_id, "ann@acme.awsapps.com", Description="Before the move")
    assert pattern("workmail", "MailboxExportJobId").search(job_id)
    job = wait_for_end(workmail, org_id, job_id)
    assert job == {
        "EntityId": user, "Description": "Before the move", "RoleArn": ROLE_ARN, "KmsKeyArn": KMS_KEY_ARN,
        "S3BucketName": BUCKET, "S3Prefix": PREFIX, "S3Path": f"{PREFIX}/{job_id}.zip", "EstimatedProgress": 100,
        "State": "COMPLETED", "StartTime": job["StartTime"], "EndTime": job["EndTime"],
    }
    assert job["StartTime"] <= job["EndTime"]
    assert pattern("workmail", "S3ObjectKey").search(job["S3Path"]) and ":" not in job["S3Path"]
    archive = local_object(server, BUCKET, job["S3Path"])
    assert zipfile.ZipFile(archive).namelist() == []
    check_archive(archive.read_bytes(), archive.with_name(archive.name + ".json").read_bytes(), {}, job)


def test_a_mailbox_is_named_by_id_email_or_name_users_and_resources(workmail, server, org_id) -> None:
    users = {name: mailbox_user(workmail, org_id, name) for name in ("bob", "cyd", "dee")}
    room = workmail.create_resource(OrganizationId=org_id, Name="atrium", Type="ROOM")["ResourceId"]
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@acme.awsapps.com")
    for identifier, expected in ((users["bob"], users["bob"]), ("CYD", users["cyd"]),
                                 ("dee@acme.awsapps.com", users["dee"]), (room, room), ("atrium", None)):
        if expected is None:  # the resource again, by name: its mailbox was exported today already
            with pytest.raises(ClientError) as exc:
                start(workmail, org_id, identifier)
            assert code_of(exc) == "LimitExceededException"
            continue
        job = wait_for_end(workmail, org_id, start(workmail, org_id, identifier))
        assert job["EntityId"] == expected and job["State"] == "COMPLETED"


def test_start_refuses_what_has_no_mailbox(workmail, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    never = workmail.create_user(OrganizationId=org_id, Name="never", DisplayName="Never",
                                 Password="Correct-Horse-9")["UserId"]
    gone = mailbox_user(workmail, org_id, "gone")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=gone)
    workmail.delete_user(OrganizationId=org_id, UserId=gone)
    group = workmail.create_group(OrganizationId=org_id, Name="team")["GroupId"]
    room = workmail.create_resource(OrganizationId=org_id, Name="attic", Type="ROOM")["ResourceId"]
    for identifier, reason in (("nobody", None), ("nobody@acme.awsapps.com", None), (group, None), ("team", None),
                               (never, "never registered to WorkMail"), (gone, "deleted"),
                               (room, "never registered to WorkMail")):
        with pytest.raises(ClientError) as exc:
            start(workmail, org_id, identifier)
        code, message = error_of(exc)
        assert code == "EntityNotFoundException", identifier
        assert (reason or "was not found") in message


def test_start_validates_its_input(workmail, server, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    unchecked = server.client("workmail", validate=False)  # botocore would refuse the short ones itself
    for bad in ({"S3BucketName": "b" * 64}, {"S3BucketName": "!!!"}, {"S3Prefix": ":::"}, {"RoleArn": "x"},
                {"Description": "x" * 1024}, {"EntityId": "#"}):
        with pytest.raises(ClientError) as exc:
            start(unchecked, org_id, "ann", **bad)
        assert code_of(exc) == "InvalidParameterException", bad


def test_a_mailbox_is_exported_once_every_24_hours(workmail, server, org_id) -> None:
    user = mailbox_user(workmail, org_id, "ann")
    first = start(workmail, org_id, "ann")
    wait_for_end(workmail, org_id, first)
    with pytest.raises(ClientError) as exc:
        start(workmail, org_id, user)
    code, message = error_of(exc)
    assert code == "LimitExceededException" and first in message and "24 hours" in message
    server.control("POST", "/clock", {"advance_seconds": DAY - 60})
    with pytest.raises(ClientError):
        start(workmail, org_id, user)
    server.control("POST", "/clock", {"advance_seconds": 120})
    assert wait_for_end(workmail, org_id, start(workmail, org_id, user))["State"] == "COMPLETED"


def test_client_token_replay_answers_the_same_job(workmail, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    job_id = start(workmail, org_id, "ann", ClientToken="export-ann-1")
    assert start(workmail, org_id, "ann", ClientToken="export-ann-1") == job_id
    with pytest.raises(ClientError) as exc:
        start(workmail, org_id, "ann", ClientToken="export-ann-1", S3Prefix="other")
    assert code_of(exc) == "InvalidParameterException"
    assert len(workmail.list_mailbox_export_jobs(OrganizationId=org_id)["Jobs"]) == 1
    workmail.cancel_mailbox_export_job(OrganizationId=org_id, JobId=job_id, ClientToken="cancel-1")
    workmail.cancel_mailbox_export_job(OrganizationId=org_id, JobId=job_id, ClientToken="cancel-1")


def test_unknown_jobs_are_not_found(workmail, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    other_org = workmail.create_organization(Alias="other")["OrganizationId"]
    job_id = start(workmail, org_id, "ann")
    for org, job in ((org_id, "00000000-0000-0000-0000-000000000000"), (other_org, job_id)):
        for call in (lambda: workmail.describe_mailbox_export_job(OrganizationId=org, JobId=job),
                     lambda: workmail.cancel_mailbox_export_job(OrganizationId=org, JobId=job)):
            with pytest.raises(ClientError) as exc:
                call()
            assert error_of(exc) == ("EntityNotFoundException",
                                     f"The mailbox export job {job} was not found in organization {org}.")
    with pytest.raises(ClientError) as exc:
        workmail.describe_mailbox_export_job(OrganizationId=org_id, JobId="!!!")
    assert code_of(exc) == "InvalidParameterException"


def test_cancelling_a_finished_job_changes_nothing(workmail, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    job_id = start(workmail, org_id, "ann")
    done = wait_for_end(workmail, org_id, job_id)
    assert workmail.cancel_mailbox_export_job(OrganizationId=org_id, JobId=job_id)["ResponseMetadata"][
        "HTTPStatusCode"] == 200
    assert describe(workmail, org_id, job_id) == done


def test_list_shows_the_last_7_days_paginated(workmail, server, org_id) -> None:
    jobs = []
    for name in ("ann", "bob", "cyd"):
        mailbox_user(workmail, org_id, name)
        jobs.append(start(workmail, org_id, name, Description=f"{name}'s"))
        wait_for_end(workmail, org_id, jobs[-1])
    page = workmail.list_mailbox_export_jobs(OrganizationId=org_id, MaxResults=2)
    assert [j["JobId"] for j in page["Jobs"]] == jobs[:2]
    rest = workmail.list_mailbox_export_jobs(OrganizationId=org_id, MaxResults=2, NextToken=page["NextToken"])
    assert [j["JobId"] for j in rest["Jobs"]] == jobs[2:] and "NextToken" not in rest
    item = page["Jobs"][0]
    assert set(item) == {"JobId", "EntityId", "Description", "S3BucketName", "S3Path", "EstimatedProgress", "State",
                         "StartTime", "EndTime"}
    assert item["Description"] == "ann's" and item["State"] == "COMPLETED" and item["S3Path"].endswith(".zip")
    server.control("POST", "/clock", {"advance_seconds": 7 * DAY - 3600})
    assert len(workmail.list_mailbox_export_jobs(OrganizationId=org_id)["Jobs"]) == 3
    server.control("POST", "/clock", {"advance_seconds": 7200})
    assert workmail.list_mailbox_export_jobs(OrganizationId=org_id)["Jobs"] == []
    assert describe(workmail, org_id, jobs[0])["State"] == "COMPLETED"  # older jobs are still there to describe
    with pytest.raises(ClientError) as exc:
        workmail.list_mailbox_export_jobs(OrganizationId=org_id, NextToken="forged")
    assert code_of(exc) == "InvalidParameterException"


def test_a_local_store_that_cannot_be_written_fails_the_job(workmail, server, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    blocker = local_object(server, "blocked-bucket", "x").parent
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the bucket's directory would be")
    job = wait_for_end(workmail, org_id, start(workmail, org_id, "ann", S3BucketName="blocked-bucket"))
    assert job["State"] == "FAILED" and "EndTime" in job
    assert "Could not write s3://blocked-bucket/" in job["ErrorInfo"]
    # A failed export does not use up the mailbox's day.
    assert wait_for_end(workmail, org_id, start(workmail, org_id, "ann"))["State"] == "COMPLETED"


def test_accounts_and_regions_do_not_see_each_others_jobs(workmail, server, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    job_id = start(workmail, org_id, "ann")
    for client in (server.client("workmail", account="210987654321"), server.client("workmail", region="eu-west-1")):
        with pytest.raises(ClientError) as exc:
            client.describe_mailbox_export_job(OrganizationId=org_id, JobId=job_id)
        assert code_of(exc) == "OrganizationNotFoundException"


@pytest.mark.parametrize("operation", ["start", "describe", "list", "cancel"])
def test_organization_errors(workmail, server, org_id, operation: str) -> None:
    mailbox_user(workmail, org_id, "ann")
    job_id = start(workmail, org_id, "ann")
    calls: dict[str, Any] = {
        "start": lambda c, o: start(c, o, "ann"),
        "describe": lambda c, o: c.describe_mailbox_export_job(OrganizationId=o, JobId=job_id),
        "list": lambda c, o: c.list_mailbox_export_jobs(OrganizationId=o),
        "cancel": lambda c, o: c.cancel_mailbox_export_job(OrganizationId=o, JobId=job_id),
    }
    check_organization_errors(workmail, server, org_id, calls[operation])


def test_the_output_log_is_json_beside_the_zip(workmail, server, org_id) -> None:
    mailbox_user(workmail, org_id, "ann")
    job = wait_for_end(workmail, org_id, start(workmail, org_id, "ann", S3Prefix="trailing/slash/"))
    assert job["S3Path"].startswith("trailing/slash/") and "//" not in job["S3Path"]
    output = json.loads(local_object(server, BUCKET, job["S3Path"] + ".json").read_text())
    assert output["totalMessages"] == "0" and output["totalFolders"] == "0"
