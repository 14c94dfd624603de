"""``--auth enforce``: SigV4 verified against the credentials file, over real HTTP;
``--auth open`` with a credentials file: configured keys map to their account."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from workmail_local.protocol.sigv4 import SIGNATURE_MISMATCH
from workmail_local.testing import LocalServer

ADMIN_KEY, ADMIN_SECRET, ADMIN_ACCOUNT = "AKIAADMINEXAMPLE0001", "admin/Secret+Key=1", "111122223333"
OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT = "AKIAOTHEREXAMPLE002", "other-secret", "444455556666"
CREDENTIALS = f"""\
[admin]
aws_access_key_id = {ADMIN_KEY}
aws_secret_access_key = {ADMIN_SECRET}
account_id = {ADMIN_ACCOUNT}

[other]
aws_access_key_id = {OTHER_KEY}
aws_secret_access_key = {OTHER_SECRET}
aws_account_id = {OTHER_ACCOUNT}
"""
CREATE_ORG = "WorkMailService.CreateOrganization"
LIST_ORGS = "WorkMailService.ListOrganizations"
AWS = Path(sys.executable).with_name("aws")


@pytest.fixture(scope="module")
def credentials_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "credentials"
    path.write_text(CREDENTIALS)
    return path


@pytest.fixture(scope="module")
def enforcing_server(credentials_file: Path) -> Iterator[LocalServer]:
    server = LocalServer(in_memory=True, extra_args=["--auth", "enforce", "--credentials-file", str(credentials_file)])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def enforcing(enforcing_server: LocalServer) -> LocalServer:
    """The enforcing server, wiped (LocalServer signs the reset with the file's first key)."""
    enforcing_server.reset()
    return enforcing_server


def client(server: LocalServer, service: str, key: str, secret: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, endpoint_url=server.url, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def aws_error(call: Any, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    error = info.value.response
    return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"], error["Error"]["Message"]


def post(server: LocalServer, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def signed_headers(server: LocalServer, target: str, body: bytes, key: str = ADMIN_KEY, secret: str = ADMIN_SECRET,
                   at: datetime | None = None, service: str = "workmail") -> dict[str, str]:
    """Headers botocore's signer produces for this request, signed at ``at`` (default: now)."""
    request = AWSRequest(method="POST", url=server.url + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target})
    signer = SigV4Auth(Credentials(key, secret), service, "us-east-1")
    if at is None:
        signer.add_auth(request)
    else:
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: at.astimezone(UTC).replace(tzinfo=None)
        try:
            signer.add_auth(request)
        finally:
            botocore.auth.get_current_datetime = original
    return dict(request.headers.items())


# -- the right key ---------------------------------------------------------------------


def test_the_right_key_works_and_lands_in_its_configured_account(enforcing: LocalServer) -> None:
    admin = client(enforcing, "workmail", ADMIN_KEY, ADMIN_SECRET)
    org_id = admin.create_organization(Alias="acme")["OrganizationId"]
    arn = admin.describe_organization(OrganizationId=org_id)["ARN"]
    assert arn == f"arn:aws:workmail:us-east-1:{ADMIN_ACCOUNT}:organization/{org_id}"
    other = client(enforcing, "workmail", OTHER_KEY, OTHER_SECRET)
    assert aws_error(other.describe_organization, OrganizationId=org_id)[1] == "OrganizationNotFoundException"
    assert other.list_organizations()["OrganizationSummaries"] == []


def test_the_region_comes_from_the_verified_scope(enforcing: LocalServer) -> None:
    west = client(enforcing, "workmail", ADMIN_KEY, ADMIN_SECRET, region="eu-west-1")
    org_id = west.create_organization(Alias="westcorp")["OrganizationId"]
    assert west.describe_organization(OrganizationId=org_id)["ARN"].startswith(
        f"arn:aws:workmail:eu-west-1:{ADMIN_ACCOUNT}:organization/")
    east = client(enforcing, "workmail", ADMIN_KEY, ADMIN_SECRET)
    assert east.list_organizations()["OrganizationSummaries"] == []


def test_sso_admin_and_identitystore_verify_with_their_own_signing_names(enforcing: LocalServer) -> None:
    sso = client(enforcing, "sso-admin", OTHER_KEY, OTHER_SECRET)  # signs as "sso"
    instance = sso.list_instances()["Instances"][0]
    assert instance["OwnerAccountId"] == OTHER_ACCOUNT
    ids = client(enforcing, "identitystore", OTHER_KEY, OTHER_SECRET)
    user_id = ids.create_user(IdentityStoreId=instance["IdentityStoreId"], UserName="ana", DisplayName="Ana",
                              Name={"GivenName": "Ana", "FamilyName": "Lima"})["UserId"]
    assert ids.describe_user(IdentityStoreId=instance["IdentityStoreId"], UserId=user_id)["UserName"] == "ana"


def test_a_scope_for_another_service_is_refused(enforcing: LocalServer) -> None:
    body = b"{}"
    status, headers, payload = post(enforcing, body, signed_headers(enforcing, LIST_ORGS, body, service="sso"))
    assert status == 400
    assert payload == {"__type": "InvalidSignatureException",
                       "message": "Credential should be scoped to correct service: 'workmail'."}


def test_the_aws_cli_with_the_same_credentials_file(enforcing: LocalServer, credentials_file: Path,
                                                    tmp_path: Path) -> None:
    if not AWS.exists():
        pytest.fail(f"the AWS CLI is not installed next to {sys.executable} (pip install awscli)")
    (tmp_path / "config").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(credentials_file),
               AWS_PROFILE="admin", AWS_DEFAULT_REGION="us-east-1")
    result = subprocess.run([str(AWS), "workmail", "create-organization", "--alias", "clicorp",
                             "--endpoint-url", enforcing.url, "--output", "json"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    org_id = json.loads(result.stdout)["OrganizationId"]
    admin = client(enforcing, "workmail", ADMIN_KEY, ADMIN_SECRET)
    assert [o["OrganizationId"] for o in admin.list_organizations()["OrganizationSummaries"]] == [org_id]


# -- refusals --------------------------------------------------------------------------


def test_wrong_secret_is_an_invalid_signature(enforcing: LocalServer) -> None:
    wrong = client(enforcing, "workmail", ADMIN_KEY, "not-the-secret")
    assert aws_error(wrong.list_organizations) == (400, "InvalidSignatureException", SIGNATURE_MISMATCH)


def test_a_tampered_body_is_an_invalid_signature(enforcing: LocalServer) -> None:
    headers = signed_headers(enforcing, CREATE_ORG, b'{"Alias": "good"}')
    status, _, payload = post(enforcing, b'{"Alias": "evil"}', headers)
    assert (status, payload) == (400, {"__type": "InvalidSignatureException", "message": SIGNATURE_MISMATCH})
    assert client(enforcing, "workmail", ADMIN_KEY, ADMIN_SECRET).list_organizations()["OrganizationSummaries"] == []


def test_unknown_key_is_an_unrecognized_client(enforcing: LocalServer) -> None:
    stranger = client(enforcing, "workmail", "AKIASTRANGER00000001", "whatever")
    assert aws_error(stranger.list_organizations) == (
        400, "UnrecognizedClientException", "The security token included in the request is invalid.")
    # A 12-digit key names its account in open mode only: enforce knows just the configured keys.
    numeric = client(enforcing, "workmail", "123456789012", "secret")
    assert aws_error(numeric.list_organizations)[1] == "UnrecognizedClientException"


def test_no_authorization_header_is_a_missing_token(enforcing: LocalServer) -> None:
    status, headers, payload = post(enforcing, b"{}", {"Content-Type": "application/x-amz-json-1.1",
                                                       "X-Amz-Target": LIST_ORGS})
    assert status == 400
    assert payload == {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert headers["x-amzn-requestid"]


def test_a_truncated_header_is_an_incomplete_signature(enforcing: LocalServer) -> None:
    headers = signed_headers(enforcing, LIST_ORGS, b"{}")
    truncated = headers["Authorization"].split(",")[0]  # only the Credential survives
    headers["Authorization"] = truncated
    status, _, payload = post(enforcing, b"{}", headers)
    assert status == 400
    assert payload == {
        "__type": "IncompleteSignatureException",
        "message": "Authorization header requires 'Signature' parameter. Authorization header requires "
                   f"'SignedHeaders' parameter. Authorization={truncated}",
    }


def test_a_request_signed_ten_minutes_ago_has_expired(enforcing: LocalServer) -> None:
    signed_at = datetime.now(UTC) - timedelta(minutes=10)
    headers = signed_headers(enforcing, LIST_ORGS, b"{}", at=signed_at)
    status, _, payload = post(enforcing, b"{}", headers)
    assert (status, payload["__type"]) == (400, "InvalidSignatureException")
    match = re.fullmatch(r"Signature expired: (\d{8}T\d{6}Z) is now earlier than (\d{8}T\d{6}Z) "
                         r"\((\d{8}T\d{6}Z) - 5 min\.\)", payload["message"])
    assert match is not None, payload["message"]
    stamp, bound, now = (datetime.strptime(g, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) for g in match.groups())
    assert stamp == signed_at.replace(microsecond=0) == datetime.strptime(
        headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert now - bound == timedelta(minutes=5) and stamp < bound


def test_a_request_signed_in_the_future_is_not_yet_current(enforcing: LocalServer) -> None:
    headers = signed_headers(enforcing, LIST_ORGS, b"{}", at=datetime.now(UTC) + timedelta(minutes=10))
    status, _, payload = post(enforcing, b"{}", headers)
    assert (status, payload["__type"]) == (400, "InvalidSignatureException")
    assert payload["message"].startswith(f"Signature not yet current: {headers['X-Amz-Date']} is still later than ")


def test_skew_is_measured_against_real_time_not_the_emulator_clock(enforcing: LocalServer) -> None:
    assert enforcing.control("POST", "/clock", {"advance_seconds": 86400})[0] == 200
    admin = client(enforcing, "workmail", ADMIN_KEY, ADMIN_SECRET)
    assert admin.list_organizations()["OrganizationSummaries"] == []


def test_an_unknown_operation_is_named_before_authentication(enforcing: LocalServer) -> None:
    status, _, payload = post(enforcing, b"{}", {"Content-Type": "application/x-amz-json-1.1",
                                                 "X-Amz-Target": "WorkMailService.NoSuchOperation"})
    assert (status, payload["__type"]) == (400, "UnknownOperationException")


def test_the_testing_helper_signs_admin_control_calls(enforcing: LocalServer) -> None:
    # Admin endpoints need a signature under enforce (tests/e2e/test_hardening_enforce.py).
    assert enforcing.control("GET", "/health")[0] == 200
    status, body = enforcing.control("POST", "/clock", {"advance_seconds": 60})
    assert status == 200 and body["offset_seconds"] == 60


# -- open mode with a credentials file ---------------------------------------------------


def test_open_mode_maps_configured_keys_to_their_account(credentials_file: Path) -> None:
    with LocalServer(in_memory=True, extra_args=["--credentials-file", str(credentials_file)]) as server:
        # Not verified: any secret goes, but the configured key still names its account.
        admin = client(server, "workmail", ADMIN_KEY, "not-verified")
        org_id = admin.create_organization(Alias="openacme")["OrganizationId"]
        assert admin.describe_organization(OrganizationId=org_id)["ARN"].split(":")[4] == ADMIN_ACCOUNT
        stranger = client(server, "workmail", "AKIASTRANGER00000001", "x")
        org_id = stranger.create_organization(Alias="strangers")["OrganizationId"]
        assert stranger.describe_organization(OrganizationId=org_id)["ARN"].split(":")[4] == "000000000000"
        numeric = client(server, "workmail", "123456789012", "x")
        assert numeric.list_organizations()["OrganizationSummaries"] == []
        status, _, payload = server.raw(LIST_ORGS, {}, account=ADMIN_KEY)
        assert status == 200 and [o["Alias"] for o in payload["OrganizationSummaries"]] == ["openacme"]


def test_enforce_can_be_set_from_the_environment(credentials_file: Path) -> None:
    env = {"WORKMAIL_LOCAL_AUTH": "enforce", "WORKMAIL_LOCAL_CREDENTIALS_FILE": str(credentials_file)}
    with LocalServer(in_memory=True, env=env) as server:
        assert aws_error(client(server, "workmail", ADMIN_KEY, "wrong").list_organizations)[1] == \
            "InvalidSignatureException"
        assert client(server, "workmail", ADMIN_KEY, ADMIN_SECRET).list_organizations()["OrganizationSummaries"] == []


# -- start-up refusals -------------------------------------------------------------------


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WORKMAIL_LOCAL_")}
    return subprocess.run([sys.executable, "-m", "workmail_local", "serve", "--port", "0", *args],
                          env={**environment, **(env or {})}, capture_output=True, text=True, timeout=60)


def test_enforce_without_a_credentials_file_refuses_to_start() -> None:
    result = serve("--in-memory", "--auth", "enforce")
    assert result.returncode != 0 and "listening" not in result.stdout
    assert "--auth enforce" in result.stderr and "--credentials-file PATH" in result.stderr


def test_an_unknown_auth_mode_from_the_environment_refuses_to_start() -> None:
    result = serve("--in-memory", env={"WORKMAIL_LOCAL_AUTH": "strict"})
    assert result.returncode != 0
    assert "WORKMAIL_LOCAL_AUTH must be one of open, enforce" in result.stderr


def test_a_malformed_credentials_file_refuses_to_start_before_writing_anything(tmp_path: Path) -> None:
    bad = tmp_path / "credentials"
    bad.write_text("[admin]\naws_access_key_id = AKIAX\n")
    data_dir = tmp_path / "data"
    result = serve("--data-dir", str(data_dir), "--auth", "enforce", "--credentials-file", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"workmail-local: credentials file {bad}, profile [admin]: "
                                     "aws_access_key_id without aws_secret_access_key")
    assert not data_dir.exists()


def test_a_missing_credentials_file_refuses_to_start_in_open_mode_too(tmp_path: Path) -> None:
    result = serve("--in-memory", "--credentials-file", str(tmp_path / "absent"))
    assert result.returncode == 2
    assert f"cannot read credentials file {tmp_path / 'absent'}" in result.stderr


def test_login_activity_is_admin_and_the_console_is_not_served(enforcing: LocalServer) -> None:
    import urllib.error
    import urllib.request

    admin = client(enforcing, "workmail", ADMIN_KEY, ADMIN_SECRET)
    other = client(enforcing, "workmail", OTHER_KEY, OTHER_SECRET)
    org_id = admin.create_organization(Alias="enforced")["OrganizationId"]
    other_org = other.create_organization(Alias="elsewhere")["OrganizationId"]
    enforcing.control("POST", "/mailbox/authenticate", {"Username": "x", "Secret": "y", "Protocol": "IMAP",
                                                        "OrganizationId": org_id}, signed=False)
    status, body = enforcing.control("GET", f"/mailbox/logins?OrganizationId={org_id}")
    assert status == 200 and [x["Reason"] for x in body["Logins"]] == ["UNKNOWN_USER"]
    unsigned = enforcing.control("GET", f"/mailbox/logins?OrganizationId={org_id}", signed=False)
    assert unsigned[0] == 400 and unsigned[1]["__type"] == "MissingAuthenticationTokenException"
    assert enforcing.control("GET", f"/mailbox/logins?OrganizationId={other_org}")[0] == 404
    assert enforcing.control("GET", "/mailbox/logins")[0] == 404
    request = urllib.request.Request(enforcing.url + "/_workmail-local/console", headers={"Accept": "text/html"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310 - the local test server
    assert refused.value.code == 403
    assert b"not served under --auth enforce" in refused.value.read()
