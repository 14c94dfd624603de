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
