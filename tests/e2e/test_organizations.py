"""Organizations end to end, with boto3 against the live server: every modelled error of
CreateOrganization, DescribeOrganization, ListOrganizations and DeleteOrganization."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from workmail_local.protocol.model import load_service

ORG_ID = re.compile(load_service("workmail").model.shape_for("OrganizationId").metadata["pattern"])
OTHER_ACCOUNT = "210987654321"


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def test_create_describe_list_delete(workmail, server) -> None:
    created = workmail.create_organization(Alias="acme")
    org_id = created["OrganizationId"]
    assert ORG_ID.search(org_id) and len(org_id) == 34

    org = workmail.describe_organization(OrganizationId=org_id)
    assert org["State"] == "Active"
    assert org["Alias"] == "acme"
    assert org["DefaultMailDomain"] == "acme.awsapps.com"
    assert org["ARN"] == f"arn:aws:workmail:us-east-1:123456789012:organization/{org_id}"
    assert re.fullmatch(r"d-[0-9a-f]{10}", org["DirectoryId"])
    assert org["CompletedDate"].timestamp() > 0
    assert org["InteroperabilityEnabled"] is False

    summaries = workmail.list_organizations()["OrganizationSummaries"]
    assert summaries == [{"OrganizationId": org_id, "Alias": "acme", "DefaultMailDomain": "acme.awsapps.com",
                          "State": "Active"}]

    deleted = workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    assert deleted["OrganizationId"] == org_id and deleted["State"] == "Deleting"
    # Default delay 0: the next read shows Deleted, and the organization stays visible.
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Deleted"
    assert workmail.list_organizations()["OrganizationSummaries"][0]["State"] == "Deleted"


def test_deleted_organization_frees_its_alias(workmail) -> None:
    first = workmail.create_organization(Alias="acme")["OrganizationId"]
    workmail.delete_organization(OrganizationId=first, DeleteDirectory=True)
    second = workmail.create_organization(Alias="acme")["OrganizationId"]
    assert second != first


def test_alias_taken_is_name_availability(workmail, server) -> None:
    workmail.create_organization(Alias="acme")
    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="acme")
    assert error_code(exc) == "NameAvailabilityException"
    # Aliases are global: another account cannot take it either.
    with pytest.raises(ClientError) as exc:
        server.client("workmail", account=OTHER_ACCOUNT).create_organization(Alias="acme")
    assert error_code(exc) == "NameAvailabilityException"


def test_client_token_replays_the_same_organization(workmail) -> None:
    first = workmail.create_organization(Alias="acme", ClientToken="token-1")["OrganizationId"]
    again = workmail.create_organization(Alias="acme", ClientToken="token-1")["OrganizationId"]
    assert again == first
    assert len(workmail.list_organizations()["OrganizationSummaries"]) == 1
    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="other", ClientToken="token-1")
    assert error_code(exc) == "InvalidParameterException"
    assert "different parameters" in exc.value.response["Error"]["Message"]


def test_limit_of_100_live_organizations(workmail) -> None:
    ids = [workmail.create_organization(Alias=f"org{i}")["OrganizationId"] for i in range(100)]
    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="org100")
    assert error_code(exc) == "LimitExceededException"
    workmail.delete_organization(OrganizationId=ids[0], DeleteDirectory=True)
    workmail.create_organization(Alias="org100")  # a deleted organization no longer counts


def test_directory_errors(workmail, server) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="corp", DirectoryId="d-0123456789")
    assert error_code(exc) == "DirectoryUnavailableException"

    status, directory = server.control("POST", "/directories", {"Alias": "corp", "AccountId": "123456789012"})
    assert status == 200
    directory_id = directory["DirectoryId"]
    # A directory registered in another account or region is unavailable here.
    with pytest.raises(ClientError) as exc:
        server.client("workmail", region="eu-west-1").create_organization(Alias="corp", DirectoryId=directory_id)
    assert error_code(exc) == "DirectoryUnavailableException"

    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="corp2", DirectoryId=directory_id)
    assert error_code(exc) == "InvalidParameterException"  # the alias must be the directory's
    org_id = workmail.create_organization(Alias="corp", DirectoryId=directory_id)["OrganizationId"]
    org = workmail.describe_organization(OrganizationId=org_id)
    assert org["DirectoryId"] == directory_id and org["DirectoryType"] == "VpcDirectory"

    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="corp", DirectoryId=directory_id)
    assert error_code(exc) == "DirectoryInUseException"

    # Deleting the organization releases the directory (and the alias).
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=False)
    again = workmail.create_organization(Alias="corp", DirectoryId=directory_id)["OrganizationId"]
    assert again != org_id
    status, _ = server.control("POST", "/directories", {"Alias": "corp", "AccountId": "123456789012",
                                                        "DirectoryId": directory_id})
    assert status == 409


def test_describe_unknown_and_foreign_organizations(workmail, server, org_id) -> None:
    missing = "m-" + "0" * 32
    with pytest.raises(ClientError) as exc:
        workmail.describe_organization(OrganizationId=missing)
    assert error_code(exc) == "OrganizationNotFoundException"
    for other in (server.client("workmail", account=OTHER_ACCOUNT), server.client("workmail", region="eu-west-1")):
        with pytest.raises(ClientError) as exc:
            other.describe_organization(OrganizationId=org_id)
        assert error_code(exc) == "OrganizationNotFoundException"
        with pytest.raises(ClientError) as exc:
            other.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
        assert error_code(exc) == "OrganizationNotFoundException"
        assert other.list_organizations()["OrganizationSummaries"] == []


def test_invalid_parameters(workmail) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.describe_organization(OrganizationId="m-0123456789ABCDEF0123456789ABCDEF")
    assert error_code(exc) == "InvalidParameterException"
    assert exc.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'm-0123456789ABCDEF0123456789ABCDEF' at 'organizationId' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: ^m-[0-9a-f]{32}$"
    )
    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="d-reserved")
    assert error_code(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        workmail.list_organizations(MaxResults=101)
    assert error_code(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        workmail.delete_organization(OrganizationId="m-" + "z" * 32, DeleteDirectory=True)
    assert error_code(exc) == "InvalidParameterException"


def test_delete_twice_is_organization_state(workmail, org_id) -> None:
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    with pytest.raises(ClientError) as exc:
        workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    assert error_code(exc) == "OrganizationStateException"
    assert exc.value.response["Error"]["Message"] == f"Organization {org_id} is not Active, state: Deleted"


def test_activation_delay_states(tmp_path) -> None:
    from workmail_local.testing import LocalServer

    with LocalServer(in_memory=True, extra_args=["--org-activation-delay", "600"]) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="slow")["OrganizationId"]
        org = wm.describe_organization(OrganizationId=org_id)
        assert org["State"] == "Creating" and "CompletedDate" not in org
        with pytest.raises(ClientError) as exc:
            wm.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
        assert exc.value.response["Error"]["Message"] == f"Organization {org_id} is not Active, state: Creating"
        server.control("POST", "/clock", {"advance_seconds": 600})
        assert wm.describe_organization(OrganizationId=org_id)["State"] == "Active"
        assert wm.delete_organization(OrganizationId=org_id, DeleteDirectory=True)["State"] == "Deleting"
        assert wm.describe_organization(OrganizationId=org_id)["State"] == "Deleting"
        with pytest.raises(ClientError) as exc:
            wm.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
        assert exc.value.response["Error"]["Message"] == f"Organization {org_id} is not Active, state: Deleting"
        server.control("POST", "/clock", {"advance_seconds": 600})
        assert wm.describe_organization(OrganizationId=org_id)["State"] == "Deleted"


def test_pagination(workmail, server) -> None:
    created = [workmail.create_organization(Alias=f"page{i}")["OrganizationId"] for i in range(7)]
    first = workmail.list_organizations(MaxResults=3)
    assert len(first["OrganizationSummaries"]) == 3 and "NextToken" in first
    seen = [o["OrganizationId"] for o in first["OrganizationSummaries"]]
    token = first["NextToken"]
    while token:
        page = workmail.list_organizations(MaxResults=3, NextToken=token)
        seen += [o["OrganizationId"] for o in page["OrganizationSummaries"]]
        token = page.get("NextToken")
    assert seen == created

    paginated = [o["OrganizationId"] for page in workmail.get_paginator("list_organizations").paginate(
        PaginationConfig={"PageSize": 2}) for o in page["OrganizationSummaries"]]
    assert paginated == created

    with pytest.raises(ClientError) as exc:
        workmail.list_organizations(NextToken="not-a-token")
    assert error_code(exc) == "InvalidParameterException"
    # A token is bound to its caller: another account cannot use it.
    with pytest.raises(ClientError) as exc:
        server.client("workmail", account=OTHER_ACCOUNT).list_organizations(NextToken=first["NextToken"])
    assert error_code(exc) == "InvalidParameterException"
