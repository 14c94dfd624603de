"""sso-admin end to end: ListInstances, DescribeInstance, CreateInstance, ListApplications
and DescribeApplication, with their modelled errors."""

from __future__ import annotations

from typing import Any

import pytest
import regex
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of, pattern
from workmail_local.testing import LocalServer

OTHER_ACCOUNT = "210987654321"
UNKNOWN_INSTANCE = "arn:aws:sso:::instance/ssoins-0000000000000000"
WORKMAIL_PROVIDER = "arn:aws:sso::aws:applicationProvider/workmail"


@pytest.fixture
def sso(server: LocalServer) -> Any:
    return server.client("sso-admin")


def only_instance(client: Any) -> dict[str, Any]:
    instances = client.list_instances()["Instances"]
    assert len(instances) == 1
    return instances[0]


# -- instances --------------------------------------------------------------------------------


def test_list_instances_creates_one_on_first_use(sso) -> None:
    instance = only_instance(sso)
    assert pattern("sso-admin", "InstanceArn").search(instance["InstanceArn"])
    assert pattern("workmail", "InstanceArn").search(instance["InstanceArn"])
    assert regex.fullmatch(r"arn:aws:sso:::instance/ssoins-[0-9a-f]{16}", instance["InstanceArn"])
    assert pattern("identitystore", "IdentityStoreId").search(instance["IdentityStoreId"])
    assert regex.fullmatch(r"d-[0-9a-f]{10}", instance["IdentityStoreId"])
    store_arn = f"arn:aws:identitystore::123456789012:identitystore/{instance['IdentityStoreId']}"
    assert instance["IdentityStoreArn"] == store_arn
    assert pattern("sso-admin", "InstanceIdentityStoreArn").search(instance["IdentityStoreArn"])
    assert (instance["OwnerAccountId"], instance["Status"], instance["PrimaryRegion"]) == ("123456789012", "ACTIVE",
                                                                                         "us-east-1")
    assert instance["Regions"][0]["RegionName"] == "us-east-1" and instance["Regions"][0]["IsPrimaryRegion"]
    assert "Name" not in instance
    assert only_instance(sso) == instance  # the same one every time


def test_instances_are_per_account_and_region(server, sso) -> None:
    mine = only_instance(sso)["InstanceArn"]
    other_account = only_instance(server.client("sso-admin", account=OTHER_ACCOUNT))["InstanceArn"]
    west = only_instance(server.client("sso-admin", region="eu-west-1"))["InstanceArn"]
    assert len({mine, other_account, west}) == 3
    # ALL_REGIONS lists the account's instances of every region, never another account's.
    everywhere = sso.list_instances(RegionScope="ALL_REGIONS")["Instances"]
    assert sorted(i["InstanceArn"] for i in everywhere) == sorted([mine, west])
    assert {i["PrimaryRegion"] for i in everywhere} == {"us-east-1", "eu-west-1"}
    assert [i["InstanceArn"] for i in sso.list_instances(RegionScope="CURRENT_REGION")["Instances"]] == [mine]
    page = sso.list_instances(RegionScope="ALL_REGIONS", MaxResults=1)
    assert len(page["Instances"]) == 1 and page["NextToken"]
    rest = sso.list_instances(RegionScope="ALL_REGIONS", MaxResults=1, NextToken=page["NextToken"])
    assert [i["InstanceArn"] for i in page["Instances"] + rest["Instances"]] == [i["InstanceArn"] for i in everywhere]
    assert "NextToken" not in rest
    # A token is bound to its query.
    with pytest.raises(ClientError) as exc:
        sso.list_instances(RegionScope="CURRENT_REGION", MaxResults=1, NextToken=page["NextToken"])
    assert error_of(exc) == ("ValidationException", "The NextToken is invalid or was issued for a different request.")


def test_describe_instance(server, sso) -> None:
    listed = only_instance(sso)
    described = sso.describe_instance(InstanceArn=listed["InstanceArn"])
    described.pop("ResponseMetadata")
    assert described == {**listed, "EncryptionConfigurationDetails": {"KeyType": "AWS_OWNED_KMS_KEY",
                                                                      "EncryptionStatus": "ENABLED"}}


def test_describe_instance_not_the_callers(server, sso) -> None:
    other = only_instance(server.client("sso-admin", account=OTHER_ACCOUNT))["InstanceArn"]
    west = only_instance(server.client("sso-admin", region="eu-west-1"))["InstanceArn"]
    for arn in (UNKNOWN_INSTANCE, other, west):
        with pytest.raises(ClientError) as exc:
            sso.describe_instance(InstanceArn=arn)
        assert error_of(exc) == ("AccessDeniedException",
                                 "User: arn:aws:iam::123456789012:root is not authorized to perform: "
                                 f"sso:DescribeInstance on resource: {arn}")


def test_validation_errors_are_validation_exception(server, sso) -> None:
    with pytest.raises(ClientError) as exc:
        sso.describe_instance(InstanceArn="arn:aws:sso:::instance/nope-nope-nope")
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value 'arn:aws:sso:::instance/nope-nope-nope' at "
                              "'instanceArn' failed to satisfy constraint: Member must satisfy regular expression "
                              "pattern: ")
    with pytest.raises(ClientError) as exc:
        sso.list_instances(RegionScope="SOMEWHERE")
    assert error_of(exc)[0] == "ValidationException"
    status, _, answer = server.raw("SWBExternalService.DescribeApplication", {})
    assert (status, answer) == (400, {"__type": "ValidationException",
                                      "message": "1 validation error detected: Value null at 'applicationArn' "
                                                 "failed to satisfy constraint: Member must not be null"})


def test_create_instance(server) -> None:
    sso = server.client("sso-admin", region="ap-southeast-2")
    arn = sso.create_instance(Name="corp", ClientToken="create-1")["InstanceArn"]
    assert pattern("sso-admin", "InstanceArn").search(arn)
    assert sso.describe_instance(InstanceArn=arn)["Name"] == "corp"
    assert only_instance(sso)["InstanceArn"] == arn  # ListInstances uses it, and makes no other
    # A retry with the same token answers the same instance.
    assert sso.create_instance(Name="corp", ClientToken="create-1")["InstanceArn"] == arn
    with pytest.raises(ClientError) as exc:
        sso.create_instance(Name="corp", ClientToken="create-2")
    assert error_of(exc) == ("ConflictException",
                             f"An instance of IAM Identity Center already exists in account 123456789012: {arn}. "
                             "An account can have only one instance.")
    with pytest.raises(ClientError) as exc:
        sso.create_instance(Name="other", ClientToken="create-1")
    assert error_of(exc) == ("ValidationException",
                             "The ClientToken create-1 was already used with different parameters.")


def test_create_instance_after_first_use_conflicts(sso) -> None:
    existing = only_instance(sso)["InstanceArn"]
    with pytest.raises(ClientError) as exc:
        sso.create_instance()
    assert error_of(exc)[0] == "ConflictException" and existing in error_of(exc)[1]
    with pytest.raises(ClientError) as exc:
        sso.create_instance(Name="!!!")  # the unanchored pattern finds no allowed character
    assert error_of(exc)[0] == "ValidationException"


# -- applications ---------------------------------------------------------------------------


@pytest.fixture
def instance_arn(sso) -> str:
    return only_instance(sso)["InstanceArn"]


def new_application(workmail: Any, instance_arn: str, name: str = "WorkMail") -> str:
    return workmail.create_identity_center_application(Name=name, InstanceArn=instance_arn)["ApplicationArn"]


def test_list_and_describe_applications(workmail, sso, instance_arn) -> None:
    assert sso.list_applications(InstanceArn=instance_arn)["Applications"] == []
    arn = new_application(workmail, instance_arn)
    identity_store = only_instance(sso)["IdentityStoreId"]
    [listed] = sso.list_applications(InstanceArn=instance_arn)["Applications"]
    described = sso.describe_application(ApplicationArn=arn)
    described.pop("ResponseMetadata")
    assert described == listed
    assert {k: v for k, v in listed.items() if k != "CreatedDate"} == {
        "ApplicationArn": arn,
        "ApplicationProviderArn": WORKMAIL_PROVIDER,
        "Name": "WorkMail",
        "ApplicationAccount": "123456789012",
        "InstanceArn": instance_arn,
        "IdentityStoreArn": f"arn:aws:identitystore::123456789012:identitystore/{identity_store}",
        "Status": "ENABLED",
        "CreatedFrom": "us-east-1",
    }
    assert pattern("sso-admin", "ApplicationProviderArn").search(listed["ApplicationProviderArn"])
    assert listed["CreatedDate"].timestamp() > 0


def test_list_applications_filters(workmail, sso, instance_arn) -> None:
    arn = new_application(workmail, instance_arn)
    assert [a["ApplicationArn"] for a in sso.list_applications(
        InstanceArn=instance_arn, Filter={"ApplicationAccount": "123456789012"})["Applications"]] == [arn]
    assert sso.list_applications(InstanceArn=instance_arn,
                                 Filter={"ApplicationAccount": OTHER_ACCOUNT})["Applications"] == []
    assert [a["ApplicationArn"] for a in sso.list_applications(
        InstanceArn=instance_arn, Filter={"ApplicationProvider": WORKMAIL_PROVIDER})["Applications"]] == [arn]
    assert sso.list_applications(
        InstanceArn=instance_arn,
        Filter={"ApplicationProvider": "arn:aws:sso::aws:applicationProvider/custom"})["Applications"] == []


def test_list_applications_pages(workmail, sso, instance_arn) -> None:
    created = [new_application(workmail, instance_arn, name=f"app{i}") for i in range(5)]
    first = sso.list_applications(InstanceArn=instance_arn, MaxResults=2)
    assert len(first["Applications"]) == 2 and first["NextToken"]
    seen = [a["ApplicationArn"] for a in first["Applications"]]
    token = first.get("NextToken")
    while token:
        page = sso.list_applications(InstanceArn=instance_arn, MaxResults=2, NextToken=token)
        seen += [a["ApplicationArn"] for a in page["Applications"]]
        token = page.get("NextToken")
    assert seen == created
    paginated = [a["ApplicationArn"] for page in sso.get_paginator("list_applications").paginate(
        InstanceArn=instance_arn, PaginationConfig={"PageSize": 3}) for a in page["Applications"]]
    assert paginated == created
    with pytest.raises(ClientError) as exc:
        sso.list_applications(InstanceArn=instance_arn, NextToken="bm90LWEtdG9rZW4")
    assert error_of(exc)[0] == "ValidationException"
    # A token is bound to its filter.
    with pytest.raises(ClientError) as exc:
        sso.list_applications(InstanceArn=instance_arn, MaxResults=2, NextToken=first["NextToken"],
                              Filter={"ApplicationAccount": "123456789012"})
    assert error_of(exc)[0] == "ValidationException"


def test_list_applications_page_holds_at_most_50(workmail, sso, instance_arn) -> None:
    for i in range(51):
        new_application(workmail, instance_arn, name=f"app{i}")
    for kwargs in ({}, {"MaxResults": 100}):
        page = sso.list_applications(InstanceArn=instance_arn, **kwargs)
        assert len(page["Applications"]) == 50 and page["NextToken"]
        rest = sso.list_applications(InstanceArn=instance_arn, NextToken=page["NextToken"], **kwargs)
        assert len(rest["Applications"]) == 1 and "NextToken" not in rest


def test_list_applications_of_an_instance_not_the_callers(server, sso, instance_arn) -> None:
    other = only_instance(server.client("sso-admin", account=OTHER_ACCOUNT))["InstanceArn"]
    west = only_instance(server.client("sso-admin", region="eu-west-1"))["InstanceArn"]
    for arn in (UNKNOWN_INSTANCE, other, west):
        with pytest.raises(ClientError) as exc:
            sso.list_applications(InstanceArn=arn)
        assert error_of(exc) == ("AccessDeniedException",
                                 "User: arn:aws:iam::123456789012:root is not authorized to perform: "
                                 f"sso:ListApplications on resource: {arn}")


def test_describe_application_not_found(workmail, server, sso, instance_arn) -> None:
    arn = new_application(workmail, instance_arn)
    never = arn[:-16] + "0" * 16
    with pytest.raises(ClientError) as exc:
        sso.describe_application(ApplicationArn=never)
    assert error_of(exc) == ("ResourceNotFoundException", f"Application {never} does not exist.")
    for other in (server.client("sso-admin", account=OTHER_ACCOUNT), server.client("sso-admin", region="eu-west-1")):
        with pytest.raises(ClientError) as exc:
            other.describe_application(ApplicationArn=arn)
        assert error_of(exc)[0] == "ResourceNotFoundException"
    workmail.delete_identity_center_application(ApplicationArn=arn)
    with pytest.raises(ClientError) as exc:
        sso.describe_application(ApplicationArn=arn)
    assert error_of(exc)[0] == "ResourceNotFoundException"
