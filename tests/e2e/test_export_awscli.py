"""A mailbox export through the AWS CLI, as a migration script runs it: start the job, then
poll ``describe-mailbox-export-job --query State`` until it is COMPLETED."""

from __future__ import annotations

import time

from tests.e2e.export_helpers import BUCKET, KMS_KEY_ARN, ROLE_ARN, mailbox_user
from tests.e2e.test_awscli import Cli, aws, ok  # noqa: F401 - the fixture

__all__ = ["aws"]


def test_start_then_describe_state_through_the_cli(aws: Cli, workmail, org_id) -> None:  # noqa: F811
    user = mailbox_user(workmail, org_id, "ann")
    job_id = ok(aws("workmail", "start-mailbox-export-job", "--organization-id", org_id, "--entity-id",
                    "ann@acme.awsapps.com", "--role-arn", ROLE_ARN, "--kms-key-arn", KMS_KEY_ARN,
                    "--s3-bucket-name", BUCKET, "--s3-prefix", "cli", "--description", "From the CLI"))["JobId"]
    deadline = time.monotonic() + 60
    while True:
        result = aws("workmail", "describe-mailbox-export-job", "--organization-id", org_id, "--job-id", job_id,
                     "--query", "State")
        state = ok(result)
        if state != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert state == "COMPLETED"
    path = ok(aws("workmail", "describe-mailbox-export-job", "--organization-id", org_id, "--job-id", job_id,
                  "--query", "[EntityId, S3Path]"))
    assert path == [user, f"cli/{job_id}.zip"]
    listed = ok(aws("workmail", "list-mailbox-export-jobs", "--organization-id", org_id))
    assert [j["JobId"] for j in listed["Jobs"]] == [job_id]
    unknown = aws("workmail", "describe-mailbox-export-job", "--organization-id", org_id, "--job-id", "missing")
    assert unknown.returncode != 0 and "EntityNotFoundException" in unknown.stderr
