"""Small helpers the end-to-end tests share."""

from __future__ import annotations

from typing import Any

import pytest
import regex
from botocore.exceptions import ClientError

from workmail_local.protocol.model import load_service


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """``(code, message)`` of a boto3 error."""
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    """The code of a boto3 error."""
    return exc.value.response["Error"]["Code"]


def pattern(service: str, shape: str) -> regex.Pattern[str]:
    """A model shape's pattern, compiled (to check generated IDs against it)."""
    return regex.compile(load_service(service).model.shape_for(shape).metadata["pattern"])


def instance_of(server: Any, account: str = "123456789012", region: str = "us-east-1") -> str:
    """The (account, region)'s IdC instance ARN, created on first use."""
    return server.client("sso-admin", account=account, region=region).list_instances()["Instances"][0]["InstanceArn"]


def store_of(client: Any) -> str:
    """The identity store ID an identitystore client's account and region have."""
    return client.list_identity_stores()["IdentityStores"][0]["IdentityStoreId"]


def check_organization_errors(workmail: Any, server: Any, org_id: str, call: Any) -> None:
    """``call(client, organization_id)`` answers as every org-scoped operation must: an
    unknown organization, another account's or another region's is not found; a malformed
    ID is refused; a deleted organization (this one, deleted by the check) is not Active."""
    for client, org in ((workmail, "m-" + "0" * 32), (server.client("workmail", account="210987654321"), org_id),
                        (server.client("workmail", region="eu-west-1"), org_id)):
        with pytest.raises(ClientError) as exc:
            call(client, org)
        assert error_of(exc) == ("OrganizationNotFoundException", f"The organization {org} was not found.")
    with pytest.raises(ClientError) as exc:
        call(workmail, "m-" + "Z" * 32)
    assert code_of(exc) == "InvalidParameterException"
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, ForceDelete=True)
    with pytest.raises(ClientError) as exc:
        call(workmail, org_id)
    assert error_of(exc) == ("OrganizationStateException", f"Organization {org_id} is not Active, state: Deleted")


def postgres_unavailable() -> str | None:
    """Why the test PostgreSQL database (``WORKMAIL_LOCAL_TEST_DATABASE_URL``) cannot be
    used, or None when it can."""
    import os

    url = os.environ.get("WORKMAIL_LOCAL_TEST_DATABASE_URL", "")
    if not url:
        return "WORKMAIL_LOCAL_TEST_DATABASE_URL is not set"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        return f"cannot connect to the test database: {exc}"
    return None
