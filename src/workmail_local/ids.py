"""Identifiers and ARNs, each in the shape its model pattern requires."""

from __future__ import annotations

import secrets
import uuid


def organization_id() -> str:
    """``m-`` + 32 lowercase hex (``^m-[0-9a-f]{32}$``)."""
    return "m-" + uuid.uuid4().hex


def directory_id() -> str:
    """``d-`` + 10 lowercase hex, as Directory Service and identity stores use."""
    return "d-" + secrets.token_hex(5)


def entity_id() -> str:
    """A user or group ID: a lowercase GUID, as WorkMail-directory organizations mint."""
    return str(uuid.uuid4())


def resource_id() -> str:
    """A resource ID: ``r-`` + 32 hex."""
    return "r-" + uuid.uuid4().hex


def organization_arn(region: str, account: str, org_id: str) -> str:
    return f"arn:{partition(region)}:workmail:{region}:{account}:organization/{org_id}"


def partition(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
