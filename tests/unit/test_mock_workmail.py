"""The in-process mode: boto3 clients answered by the app itself, no server and no socket."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from workmail_local.testing import _before_send, mock_workmail


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "123456789012")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_workmail_and_idc_in_process() -> None:
    with mock_workmail() as local:
        wm = boto3.client("workmail", region_name="eu-west-1")
        org_id = wm.create_organization(Alias="inproc")["OrganizationId"]
        org = wm.describe_organization(OrganizationId=org_id)
        assert org["State"] == "Active"
        assert org["ARN"] == f"arn:aws:workmail:eu-west-1:123456789012:organization/{org_id}"
        sso = boto3.client("sso-admin", region_name="eu-west-1")
        assert sso.list_instances()["Instances"][0]["InstanceArn"].startswith("arn:aws:sso:::instance/ssoins-")
        with pytest.raises(wm.exceptions.OrganizationNotFoundException):
            wm.describe_organization(OrganizationId="m-" + "0" * 32)
        with pytest.raises(ClientError) as exc:
            wm.describe_organization(OrganizationId="m-" + "Z" * 32)
        assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
        assert local.control("POST", "/clock", {"advance_seconds": 60})[1]["offset_seconds"] == 60


def test_each_block_starts_empty_and_works_as_a_decorator() -> None:
    with mock_workmail():
        boto3.client("workmail", region_name="us-east-1").create_organization(Alias="first")

    @mock_workmail()
    def listed() -> list[str]:
        wm = boto3.client("workmail", region_name="us-east-1")
        return [o["Alias"] for o in wm.list_organizations()["OrganizationSummaries"]]

    assert listed() == []


def test_other_services_are_left_alone() -> None:
    class Request:
        headers = {"X-Amz-Target": "DynamoDB_20120810.ListTables"}

    with mock_workmail():
        assert _before_send(Request()) is None
    assert _before_send(Request()) is None  # and nothing answers outside a block


def test_a_default_session_made_before_the_first_block_is_hooked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.handlers

    # As in a process that never entered a block: no built-in hook yet.
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS",
                        [h for h in botocore.handlers.BUILTIN_HANDLERS if h != ("before-send", _before_send)])
    boto3.setup_default_session()
    boto3.client("workmail", region_name="us-east-1")  # the default session exists now, unhooked
    with mock_workmail():
        wm = boto3.client("workmail", region_name="us-east-1")
        assert wm.list_organizations()["OrganizationSummaries"] == []


def test_lists_keep_creation_order_when_calls_come_faster_than_a_millisecond() -> None:
    # In process, a CreateGroup takes well under a millisecond: with creation times
    # stored at millisecond precision, the random IDs would order most of these.
    with mock_workmail():
        wm = boto3.client("workmail", region_name="us-east-1")
        org_id = wm.create_organization(Alias="fast")["OrganizationId"]
        created = [wm.create_group(OrganizationId=org_id, Name=f"group{i}")["GroupId"] for i in range(40)]
        listed = [g["Id"] for page in wm.get_paginator("list_groups").paginate(
            OrganizationId=org_id, PaginationConfig={"PageSize": 7}) for g in page["Groups"]]
        assert listed == created
