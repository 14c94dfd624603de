"""``mock_workmail()`` provides fake credentials and a default region when none are set,
like moto's ``mock_aws``, and never overrides the caller's."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest

from workmail_local.testing import mock_workmail

AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION")


@pytest.fixture(autouse=True)
def bare_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials or region anywhere: environment, shared files, boto3's session."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def test_without_credentials_or_region_the_block_provides_them() -> None:
    with mock_workmail():
        wm = boto3.client("workmail")
        org_id = wm.create_organization(Alias="acme")["OrganizationId"]
        arn = wm.describe_organization(OrganizationId=org_id)["ARN"]
        assert arn.startswith("arn:aws:workmail:us-east-1:123456789012:organization/")
    # Only for the block.
    assert not any(name in os.environ for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"))


def test_the_callers_credentials_and_region_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "111122223333")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "mine")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_workmail():
        wm = boto3.client("workmail")
        org_id = wm.create_organization(Alias="acme")["OrganizationId"]
        assert wm.describe_organization(OrganizationId=org_id)["ARN"].startswith(
            "arn:aws:workmail:eu-west-1:111122223333:organization/")
    assert os.environ["AWS_ACCESS_KEY_ID"] == "111122223333" and os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_credentials_from_a_shared_file_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[default]\naws_access_key_id = 444455556666\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    with mock_workmail():
        assert "AWS_ACCESS_KEY_ID" not in os.environ
        wm = boto3.client("workmail")  # the region is the block's default
        org_id = wm.create_organization(Alias="acme")["OrganizationId"]
        assert ":us-east-1:444455556666:" in wm.describe_organization(OrganizationId=org_id)["ARN"]
