"""Export archives uploaded to an S3-compatible endpoint (``serve --s3-endpoint-url``):
a real S3 emulator process (moto's server) on a loopback port, started by the test."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.export_helpers import BUCKET, check_archive, fill_maildir, mailbox_user, message, start, wait_for_end
from workmail_local.testing import LocalServer

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server (S3 and every other service it emulates) on a free loopback port."""
    pytest.importorskip("moto.server", reason="moto[server] is in the test extra")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's server did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def s3_client(url: str) -> Any:
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_archives_are_uploaded_to_the_endpoint(s3_endpoint: str, tmp_path: Path, how: str) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    s3 = s3_client(s3_endpoint)
    bucket = f"{BUCKET}-{how}"
    s3.create_bucket(Bucket=bucket)
    args, env = ["--mail-dir", str(mail)], dict(CREDENTIALS)
    if how == "flag":
        args += ["--s3-endpoint-url", s3_endpoint]
    else:
        env["WORKMAIL_LOCAL_S3_ENDPOINT_URL"] = s3_endpoint
    with LocalServer(data_dir=tmp_path / "data", extra_args=args, env=env) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias=f"s3{how}")["OrganizationId"]
        user = mailbox_user(wm, org, "ann")
        contents = fill_maildir(mail, user, {"INBOX": [message("To S3"), message("Also to S3")],
                                             "Sent": [message("Sent")], "Junk": []})
        job = wait_for_end(wm, org, start(wm, org, "ann", S3BucketName=bucket))
        assert job["State"] == "COMPLETED", job.get("ErrorInfo")
        log = server.log()
    data = s3.get_object(Bucket=bucket, Key=job["S3Path"])["Body"].read()
    output = s3.get_object(Bucket=bucket, Key=job["S3Path"] + ".json")["Body"].read()
    check_archive(data, output, contents, job)
    assert not (tmp_path / "data" / "s3").exists()  # nothing went to the embedded store
    assert f"{s3_endpoint}/{bucket}/{job['S3Path']}" in log


def test_a_missing_bucket_fails_the_job_with_the_endpoints_error(s3_endpoint: str, tmp_path: Path) -> None:
    with LocalServer(data_dir=tmp_path / "data", extra_args=["--s3-endpoint-url", s3_endpoint],
                     env=CREDENTIALS) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="nobucket")["OrganizationId"]
        mailbox_user(wm, org, "ann")
        job = wait_for_end(wm, org, start(wm, org, "ann", S3BucketName="no-such-bucket"))
        log = server.log()
    assert job["State"] == "FAILED" and job["EstimatedProgress"] < 100
    assert job["ErrorInfo"].startswith(f"The S3 endpoint {s3_endpoint} refused the upload of s3://no-such-bucket/")
    assert "NoSuchBucket" in job["ErrorInfo"]
    assert f"FAILED: {job['ErrorInfo']}" in log


def test_an_endpoint_that_is_down_fails_the_job(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with LocalServer(data_dir=tmp_path / "data", extra_args=["--s3-endpoint-url", url], env=CREDENTIALS) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="down")["OrganizationId"]
        mailbox_user(wm, org, "ann")
        job = wait_for_end(wm, org, start(wm, org, "ann"))
    assert job["State"] == "FAILED" and f"Could not upload s3://{BUCKET}/" in job["ErrorInfo"] and url in job["ErrorInfo"]
