"""identitystore groups and group memberships end to end, with boto3 against the live server:
CreateGroup, DescribeGroup, ListGroups, GetGroupId, UpdateGroup, DeleteGroup,
CreateGroupMembership, DescribeGroupMembership, DeleteGroupMembership, ListGroupMemberships,
ListGroupMembershipsForMember, GetGroupMembershipId, IsMemberInGroups, their modelled errors,
isolation across accounts and regions, and durability across a restart."""

from __future__ import annotations

from typing import Any

import pytest
import regex
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of as error
from tests.e2e.helpers import store_of
from workmail_local.protocol.model import load_service
from workmail_local.testing import LocalServer

MODEL = load_service("identitystore").model
RESOURCE_ID = regex.compile("^" + MODEL.shape_for("ResourceId").metadata["pattern"] + "$")
RESOURCE_ARN = regex.compile("^" + MODEL.shape_for("ResourceArn").metadata["pattern"] + "$")
GROUP_NAME_PATTERN = MODEL.shape_for("GroupDisplayName").metadata["pattern"]
OTHER_ACCOUNT = "210987654321"
MISSING_ID = "0123456789-01234567-89ab-cdef-0123-456789abcdef"


def not_found(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str | None]:
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    return exc.value.response["ResourceType"], exc.value.response.get("ResourceId")


def new_user(ids: Any, store: str, name: str) -> str:
    return ids.create_user(IdentityStoreId=store, UserName=name, DisplayName=name.title(),
                           Name={"GivenName": name, "FamilyName": "Tester"})["UserId"]


def new_group(ids: Any, store: str, name: str, **extra: Any) -> str:
    return ids.create_group(IdentityStoreId=store, DisplayName=name, **extra)["GroupId"]


def members(ids: Any, store: str, group_id: str) -> list[str]:
    return [m["MemberId"]["UserId"] for m in ids.list_group_memberships(IdentityStoreId=store, GroupId=group_id)
            ["GroupMemberships"]]


def op(path: str, value: Any = None) -> dict[str, Any]:
    return {"AttributePath": path} if value is None else {"AttributePath": path, "AttributeValue": value}


# -- groups -------------------------------------------------------------------------


def test_create_describe_and_list_groups(ids, store) -> None:
    created = ids.create_group(IdentityStoreId=store, DisplayName="Mail users", Description="Everyone with a mailbox")
    group_id = created["GroupId"]
    assert created["IdentityStoreId"] == store and created["Revision"] == "1"
    assert RESOURCE_ID.search(group_id) and group_id.startswith(store[2:] + "-")
    assert created["GroupArn"] == f"arn:aws:identitystore:::group/{group_id}" and RESOURCE_ARN.search(created["GroupArn"])
    group = ids.describe_group(IdentityStoreId=store, GroupId=group_id)
    assert (group["DisplayName"], group["Description"], group["Revision"]) == (
        "Mail users", "Everyone with a mailbox", "1")
    assert group["CreatedAt"] == group["UpdatedAt"] and group["CreatedBy"] == "arn:aws:iam::123456789012:root"
    assert ids.describe_group(IdentityStoreId=store, GroupId=created["GroupArn"])["GroupId"] == group_id
    listed = ids.list_groups(IdentityStoreId=store)["Groups"]
    assert listed == [{k: v for k, v in group.items() if k != "ResponseMetadata"}]
    # A group without a display name is allowed, as the model allows it.
    unnamed = ids.create_group(IdentityStoreId=store)["GroupId"]
    assert "DisplayName" not in ids.describe_group(IdentityStoreId=store, GroupId=unnamed)


def test_group_ids_are_distinct_and_match_the_model(ids, store) -> None:
    group_ids = [new_group(ids, store, f"group {i}") for i in range(5)]
    assert len(set(group_ids)) == 5 and all(RESOURCE_ID.search(g) for g in group_ids)


def test_unicode_display_names_pass_and_others_fail(ids, store) -> None:
    group_id = new_group(ids, store, "Équipe 山田 — ñ")
    assert ids.describe_group(IdentityStoreId=store, GroupId=group_id)["DisplayName"] == "Équipe 山田 — ñ"
    with pytest.raises(ClientError) as exc:
        new_group(ids, store, "\x07")
    assert error(exc) == ("ValidationException", "1 validation error detected: Value '***' at 'displayName' failed "
                          f"to satisfy constraint: Member must satisfy regular expression pattern: {GROUP_NAME_PATTERN}")


def test_group_display_names_are_unique_case_insensitively(ids, store, server) -> None:
    new_group(ids, store, "Sales")
    with pytest.raises(ClientError) as exc:
        new_group(ids, store, "SALES")
    assert error(exc) == ("ConflictException", "Duplicate GroupDisplayName")
    assert exc.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"
    other = server.client("identitystore", account=OTHER_ACCOUNT)
    new_group(other, store_of(other), "Sales")  # another store is another namespace


@pytest.mark.parametrize("reserved", ["Administrator", "AWSAdministrators"])
def test_reserved_group_names(ids, store, reserved) -> None:
    with pytest.raises(ClientError) as exc:
        new_group(ids, store, reserved)
    assert error(exc) == ("ValidationException",
                          "Administrator and AWSAdministrators are reserved names and can't be used for users or groups.")


def test_unknown_groups_are_resource_not_found(ids, store) -> None:
    calls = [
        lambda: ids.describe_group(IdentityStoreId=store, GroupId=MISSING_ID),
        lambda: ids.update_group(IdentityStoreId=store, GroupId=MISSING_ID, Operations=[op("description", "x")]),
        lambda: ids.delete_group(IdentityStoreId=store, GroupId=MISSING_ID),
        lambda: ids.list_group_memberships(IdentityStoreId=store, GroupId=MISSING_ID),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc)[1] == f"Group {MISSING_ID} was not found."
        assert not_found(exc) == ("GROUP", MISSING_ID)
    # A user's ID is not a group's.
    user_id = new_user(ids, store, "notagroup")
    with pytest.raises(ClientError) as exc:
        ids.describe_group(IdentityStoreId=store, GroupId=user_id)
    assert not_found(exc) == ("GROUP", user_id)


@pytest.mark.parametrize("operation", ["create_group", "describe_group", "list_groups", "get_group_id", "update_group",
                                       "delete_group", "create_group_membership", "list_group_memberships"])
def test_every_group_operation_checks_the_identity_store(ids, store, operation) -> None:
    kwargs = {
        "create_group": {"DisplayName": "g"},
        "describe_group": {"GroupId": MISSING_ID},
        "list_groups": {},
        "get_group_id": {"AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "displayName",
                                                                     "AttributeValue": "g"}}},
        "update_group": {"GroupId": MISSING_ID, "Operations": [op("description", "x")]},
        "delete_group": {"GroupId": MISSING_ID},
        "create_group_membership": {"GroupId": MISSING_ID, "MemberId": {"UserId": MISSING_ID}},
        "list_group_memberships": {"GroupId": MISSING_ID},
    }[operation]
    with pytest.raises(ClientError) as exc:
        getattr(ids, operation)(IdentityStoreId="d-0000000000", **kwargs)
    assert not_found(exc) == ("IDENTITY_STORE", "d-0000000000")


def test_list_groups_pages_and_filters(ids, store) -> None:
    created = [new_group(ids, store, f"Team {i}") for i in range(5)]
    pages = list(ids.get_paginator("list_groups").paginate(IdentityStoreId=store, PaginationConfig={"PageSize": 2}))
    assert [len(p["Groups"]) for p in pages] == [2, 2, 1]
    assert sorted(g["GroupId"] for p in pages for g in p["Groups"]) == sorted(created)
    for path, value in (("DisplayName", "Team 3"), ("displayName", "team 3")):
        groups = ids.list_groups(IdentityStoreId=store, Filters=[{"AttributePath": path, "AttributeValue": value}])
        assert [g["GroupId"] for g in groups["Groups"]] == [created[3]]
    with pytest.raises(ClientError) as exc:
        ids.list_groups(IdentityStoreId=store, Filters=[{"AttributePath": "Description", "AttributeValue": "x"}])
    assert error(exc) == ("ValidationException",
                          "Filtering by Description is not supported: ListGroups filters only by DisplayName.")
    token = ids.list_groups(IdentityStoreId=store, MaxResults=2)["NextToken"]
    with pytest.raises(ClientError) as exc:
        ids.list_groups(IdentityStoreId=store, MaxResults=2, NextToken=token[::-1])
    assert error(exc) == ("ValidationException", "The NextToken is invalid or was issued for a different request.")


def test_get_group_id(ids, store, server) -> None:
    group_id = new_group(ids, store, "Support")
    for path, value in (("displayName", "Support"), ("DisplayName", "SUPPORT")):
        found = ids.get_group_id(IdentityStoreId=store, AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": path, "AttributeValue": value}})
        assert (found["IdentityStoreId"], found["GroupId"]) == (store, group_id)
        assert found["GroupArn"] == f"arn:aws:identitystore:::group/{group_id}"
    for identifier in ({"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "Nobody"}},
                       {"ExternalId": {"Issuer": "https://idp.example.com", "Id": "support"}}):
        with pytest.raises(ClientError) as exc:
            ids.get_group_id(IdentityStoreId=store, AlternateIdentifier=identifier)
        assert error(exc)[1] == "No group matches the alternate identifier."
        assert not_found(exc) == ("GROUP", None)
    with pytest.raises(ClientError) as exc:
        ids.get_group_id(IdentityStoreId=store, AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "description", "AttributeValue": "x"}})
    assert error(exc) == ("ValidationException", "description is not a unique attribute of groups: use displayName.")
    with pytest.raises(ClientError) as exc:
        ids.get_group_id(IdentityStoreId=store, AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": ["Support"]}})
    assert error(exc) == ("ValidationException", "The value of the unique attribute displayName must be a string.")
    other = server.client("identitystore", region="eu-west-1")
    with pytest.raises(ClientError) as exc:
        other.get_group_id(IdentityStoreId=store_of(other), AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "Support"}})
    assert error(exc)[0] == "ResourceNotFoundException"


def test_update_group(ids, store) -> None:
    group_id = new_group(ids, store, "Ops", Description="Operations")
    new_group(ids, store, "Dev")
    result = ids.update_group(IdentityStoreId=store, GroupId=group_id,
                              Operations=[op("displayName", "Operations"), op("description")])
    assert result == {**result, "IdentityStoreId": store, "GroupId": group_id, "Revision": "2",
                      "GroupArn": f"arn:aws:identitystore:::group/{group_id}"}
    group = ids.describe_group(IdentityStoreId=store, GroupId=group_id)
    assert group["DisplayName"] == "Operations" and "Description" not in group and group["Revision"] == "2"
    new_group(ids, store, "Ops")  # the old name is free again

    def refused(*operations: dict[str, Any], **extra: Any) -> pytest.ExceptionInfo[ClientError]:
        with pytest.raises(ClientError) as exc:
            ids.update_group(IdentityStoreId=store, GroupId=group_id, Operations=list(operations), **extra)
        return exc

    exc = refused(op("displayName", "dev"))
    assert error(exc) == ("ConflictException", "Duplicate GroupDisplayName")
    assert exc.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"
    exc = refused(op("description", "x"), Revision="1")
    assert error(exc) == ("ConflictException", f"Group {group_id} is at revision 2, not 1.")
    assert exc.value.response["Reason"] == "CONCURRENT_MODIFICATION"
    for path in ("members", "groupId", "externalIds"):
        assert error(refused(op(path, "x"))) == (
            "ValidationException", f"Invalid attribute path: {path} is not an attribute that can be updated.")
    assert error(refused(op("description", {"text": "x"}))) == (
        "ValidationException", "The attribute value at 'operations.1.member.attributeValue' must be a string.")
    assert error(refused(op("displayName", "Administrator")))[0] == "ValidationException"
    assert ids.describe_group(IdentityStoreId=store, GroupId=group_id)["Revision"] == "2"
    ids.update_group(IdentityStoreId=store, GroupId=group_id, Revision="2", Operations=[op("Description", "Back")])
    assert ids.describe_group(IdentityStoreId=store, GroupId=group_id)["Description"] == "Back"


def test_delete_group_removes_its_memberships(ids, store) -> None:
    group_id = new_group(ids, store, "Temporary")
    keep = new_group(ids, store, "Permanent")
    user_id = new_user(ids, store, "member")
    ids.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
    kept = ids.create_group_membership(IdentityStoreId=store, GroupId=keep, MemberId={"UserId": user_id})
    with pytest.raises(ClientError) as exc:
        ids.delete_group(IdentityStoreId=store, GroupId=group_id, Revision="5")
    assert error(exc)[0] == "ConflictException" and exc.value.response["Reason"] == "CONCURRENT_MODIFICATION"
    ids.delete_group(IdentityStoreId=store, GroupId=group_id)
    with pytest.raises(ClientError) as exc:
        ids.describe_group(IdentityStoreId=store, GroupId=group_id)
    assert not_found(exc) == ("GROUP", group_id)
    with pytest.raises(ClientError) as exc:
        ids.delete_group(IdentityStoreId=store, GroupId=group_id)
    assert not_found(exc) == ("GROUP", group_id)
    left = ids.list_group_memberships_for_member(IdentityStoreId=store, MemberId={"UserId": user_id})
    assert [m["MembershipId"] for m in left["GroupMemberships"]] == [kept["MembershipId"]]
    new_group(ids, store, "Temporary")  # its name is free again


# -- memberships ---------------------------------------------------------------------


def test_membership_lifecycle(ids, store) -> None:
    group_id = new_group(ids, store, "Readers")
    other_group = new_group(ids, store, "Writers")
    user_id = new_user(ids, store, "reader")
    created = ids.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
    membership_id = created["MembershipId"]
    assert created["IdentityStoreId"] == store and RESOURCE_ID.search(membership_id)
    assert created["MembershipArn"] == f"arn:aws:identitystore:::membership/{membership_id}"
    assert RESOURCE_ARN.search(created["MembershipArn"])

    described = ids.describe_group_membership(IdentityStoreId=store, MembershipId=membership_id)
    assert (described["GroupId"], described["MemberId"]) == (group_id, {"UserId": user_id})
    assert described["CreatedAt"] == described["UpdatedAt"]
    listed = ids.list_group_memberships(IdentityStoreId=store, GroupId=group_id)["GroupMemberships"]
    assert listed == [{k: v for k, v in described.items() if k != "ResponseMetadata"}]
    for_member = ids.list_group_memberships_for_member(IdentityStoreId=store, MemberId={"UserId": user_id})
    assert for_member["GroupMemberships"] == listed
    found = ids.get_group_membership_id(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
    assert (found["MembershipId"], found["MembershipArn"]) == (membership_id, created["MembershipArn"])
    results = ids.is_member_in_groups(IdentityStoreId=store, MemberId={"UserId": user_id},
                                      GroupIds=[group_id, other_group, MISSING_ID])["Results"]
    assert [(r["GroupId"], r["MemberId"], r["MembershipExists"]) for r in results] == [
        (group_id, {"UserId": user_id}, True), (other_group, {"UserId": user_id}, False),
        (MISSING_ID, {"UserId": user_id}, False)]

    with pytest.raises(ClientError) as exc:
        ids.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
    assert error(exc) == ("ConflictException", f"User {user_id} is already a member of group {group_id}.")
    assert exc.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"

    ids.delete_group_membership(IdentityStoreId=store, MembershipId=membership_id)
    assert members(ids, store, group_id) == []
    for call in (lambda: ids.delete_group_membership(IdentityStoreId=store, MembershipId=membership_id),
                 lambda: ids.describe_group_membership(IdentityStoreId=store, MembershipId=membership_id)):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc)[1] == f"Group membership {membership_id} was not found."
        assert not_found(exc) == ("GROUP_MEMBERSHIP", membership_id)
    with pytest.raises(ClientError) as exc:
        ids.get_group_membership_id(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
    assert error(exc)[1] == f"User {user_id} is not a member of group {group_id}."
    assert not_found(exc) == ("GROUP_MEMBERSHIP", None)


def test_membership_of_unknown_group_or_user(ids, store) -> None:
    group_id = new_group(ids, store, "Known")
    user_id = new_user(ids, store, "known")
    cases = [
        (lambda: ids.create_group_membership(IdentityStoreId=store, GroupId=MISSING_ID, MemberId={"UserId": user_id}),
         "GROUP"),
        (lambda: ids.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": MISSING_ID}),
         "USER"),
        (lambda: ids.get_group_membership_id(IdentityStoreId=store, GroupId=MISSING_ID, MemberId={"UserId": user_id}),
         "GROUP"),
        (lambda: ids.get_group_membership_id(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": MISSING_ID}),
         "USER"),
        (lambda: ids.list_group_memberships_for_member(IdentityStoreId=store, MemberId={"UserId": MISSING_ID}), "USER"),
        (lambda: ids.is_member_in_groups(IdentityStoreId=store, MemberId={"UserId": MISSING_ID}, GroupIds=[group_id]),
         "USER"),
    ]
    for call, resource_type in cases:
        with pytest.raises(ClientError) as exc:
            call()
        assert not_found(exc) == (resource_type, MISSING_ID)
    assert members(ids, store, group_id) == []


def test_member_id_is_a_union(ids, store, server) -> None:
    group_id = new_group(ids, store, "Union")
    status, _, body = server.raw("AWSIdentityStore.CreateGroupMembership",
                                 {"IdentityStoreId": store, "GroupId": group_id, "MemberId": {}})
    assert status == 400 and body["__type"] == "ValidationException"
    assert body["message"] == ("1 validation error detected: Value '{}' at 'memberId' failed to satisfy constraint: "
                               "Member must have exactly one member set")


def test_deleting_a_user_removes_their_memberships(ids, store) -> None:
    groups = [new_group(ids, store, f"Club {i}") for i in range(3)]
    leaving, staying = new_user(ids, store, "leaving"), new_user(ids, store, "staying")
    for group_id in groups:
        for user_id in (leaving, staying):
            ids.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
    ids.delete_user(IdentityStoreId=store, UserId=leaving)
    assert all(members(ids, store, g) == [staying] for g in groups)
    with pytest.raises(ClientError) as exc:
        ids.list_group_memberships_for_member(IdentityStoreId=store, MemberId={"UserId": leaving})
    assert not_found(exc) == ("USER", leaving)


def test_list_memberships_pages(ids, store) -> None:
    group_id = new_group(ids, store, "Big")
    user_ids = [new_user(ids, store, f"u{i}") for i in range(5)]
    for user_id in user_ids:
        ids.create_group_membership(IdentityStoreId=store, GroupId=group_id, MemberId={"UserId": user_id})
    pages = list(ids.get_paginator("list_group_memberships").paginate(
        IdentityStoreId=store, GroupId=group_id, PaginationConfig={"PageSize": 2}))
    assert [len(p["GroupMemberships"]) for p in pages] == [2, 2, 1]
    assert sorted(m["MemberId"]["UserId"] for p in pages for m in p["GroupMemberships"]) == sorted(user_ids)
    # A token of one group's listing does not page another's.
    token = pages[0]["NextToken"]
    other = new_group(ids, store, "Small")
    with pytest.raises(ClientError) as exc:
        ids.list_group_memberships(IdentityStoreId=store, GroupId=other, NextToken=token)
    assert error(exc)[0] == "ValidationException"


# -- isolation and durability -----------------------------------------------------------


def test_groups_are_isolated_by_account_and_region(ids, store, server) -> None:
    group_id = new_group(ids, store, "Private")
    user_id = new_user(ids, store, "private")
    membership_id = ids.create_group_membership(IdentityStoreId=store, GroupId=group_id,
                                                MemberId={"UserId": user_id})["MembershipId"]
    for client in (server.client("identitystore", account=OTHER_ACCOUNT), server.client("identitystore", region="eu-west-1")):
        own = store_of(client)
        assert client.list_groups(IdentityStoreId=own)["Groups"] == []
        cases = [
            (lambda: client.describe_group(IdentityStoreId=own, GroupId=group_id), "GROUP"),
            (lambda: client.describe_group_membership(IdentityStoreId=own, MembershipId=membership_id), "GROUP_MEMBERSHIP"),
            (lambda: client.delete_group_membership(IdentityStoreId=own, MembershipId=membership_id), "GROUP_MEMBERSHIP"),
            (lambda: client.list_group_memberships(IdentityStoreId=store, GroupId=group_id), "IDENTITY_STORE"),
        ]
        for call, resource_type in cases:
            with pytest.raises(ClientError) as exc:
                call()
            assert not_found(exc)[0] == resource_type
    assert members(ids, store, group_id) == [user_id]


def test_groups_and_memberships_survive_a_restart(tmp_path) -> None:
    with LocalServer(data_dir=tmp_path) as first:
        client = first.client("identitystore")
        store = store_of(client)
        group_id = new_group(client, store, "Durable", Description="Kept on disk")
        user_id = new_user(client, store, "durable")
        membership_id = client.create_group_membership(IdentityStoreId=store, GroupId=group_id,
                                                       MemberId={"UserId": user_id})["MembershipId"]
        before = client.describe_group(IdentityStoreId=store, GroupId=group_id)
    with LocalServer(data_dir=tmp_path) as second:
        client = second.client("identitystore")
        after = client.describe_group(IdentityStoreId=store, GroupId=group_id)
        assert {k: v for k, v in after.items() if k != "ResponseMetadata"} == \
               {k: v for k, v in before.items() if k != "ResponseMetadata"}
        assert client.describe_group_membership(IdentityStoreId=store, MembershipId=membership_id)["MemberId"] == \
               {"UserId": user_id}
        with pytest.raises(ClientError) as exc:
            new_group(client, store, "durable")
        assert error(exc)[0] == "ConflictException"
