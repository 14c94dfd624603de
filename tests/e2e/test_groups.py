"""Groups end to end, with boto3 against the live server: CreateGroup, DescribeGroup,
UpdateGroup, ListGroups, DeleteGroup, the register/deregister/delete state machine of a
group, the name and address space groups share with users, and every modelled error
these operations can give on a WorkMail-directory organization.

Membership is in test_group_members.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of
from tests.e2e.test_users import OTHER_ACCOUNT, create as create_user
from workmail_local.protocol.model import load_service
from workmail_local.testing import LocalServer

MODEL = load_service("workmail").model
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
UNKNOWN_ID = "12345678-1234-1234-1234-123456789012"


def create(workmail, org_id: str, name: str, **extra) -> str:  # noqa: ANN001
    return workmail.create_group(OrganizationId=org_id, Name=name, **extra)["GroupId"]


def describe(workmail, org_id: str, group: str) -> dict[str, Any]:  # noqa: ANN001
    answer = workmail.describe_group(OrganizationId=org_id, GroupId=group)
    answer.pop("ResponseMetadata")
    return answer


def test_new_organization_lists_no_groups(workmail, org_id) -> None:
    assert workmail.list_groups(OrganizationId=org_id)["Groups"] == []


def test_create_and_describe(workmail, org_id) -> None:
    group_id = create(workmail, org_id, "Sales")
    assert GUID.search(group_id)
    width = MODEL.shape_for("WorkMailIdentifier").metadata
    assert width["min"] <= len(group_id) <= width["max"]
    # Created DISABLED, with no address and no dates, shown in the global address list.
    assert describe(workmail, org_id, group_id) == {
        "GroupId": group_id, "Name": "Sales", "State": "DISABLED", "HiddenFromGlobalAddressList": False,
    }
    # Name and ID resolve; names case-insensitively, IDs whatever their case.
    assert describe(workmail, org_id, "sALES")["GroupId"] == group_id
    assert describe(workmail, org_id, group_id.upper())["GroupId"] == group_id

    hidden = create(workmail, org_id, "Ops Team ñ", HiddenFromGlobalAddressList=True)
    assert hidden != group_id and GUID.search(hidden)
    # A name with spaces is no EntityIdentifier: such a group is reached by ID (or address).
    assert describe(workmail, org_id, hidden) == {
        "GroupId": hidden, "Name": "Ops Team ñ", "State": "DISABLED", "HiddenFromGlobalAddressList": True,
    }


def test_state_machine(workmail, server, org_id) -> None:
    group_id = create(workmail, org_id, "sales")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="sales", Email="Sales@acme.awsapps.com")
    group = describe(workmail, org_id, group_id)
    assert group["State"] == "ENABLED" and group["Email"] == "Sales@acme.awsapps.com"
    assert "EnabledDate" in group and "DisabledDate" not in group
    assert describe(workmail, org_id, "sales@ACME.awsapps.com")["GroupId"] == group_id  # by address
    # Registering again with the same address (any case) changes nothing; another is refused.
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="SALES@acme.awsapps.com")
    assert describe(workmail, org_id, group_id) == group
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="team@acme.awsapps.com")
    assert error_of(exc) == ("EntityAlreadyRegisteredException",
                             f"The group {group_id} is already registered to WorkMail with Sales@acme.awsapps.com.")
    with pytest.raises(ClientError) as exc:
        workmail.delete_group(OrganizationId=org_id, GroupId=group_id)
    assert error_of(exc) == ("EntityStateException",
                             f"The group {group_id} is ENABLED: deregister it from WorkMail before deleting it.")

    server.control("POST", "/clock", {"advance_seconds": 60})
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId="sales@acme.awsapps.com")
    disabled = describe(workmail, org_id, group_id)
    assert disabled["State"] == "DISABLED" and "Email" not in disabled
    assert (disabled["DisabledDate"] - disabled["EnabledDate"]).total_seconds() >= 60
    with pytest.raises(ClientError) as exc:
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=group_id)
    assert error_of(exc) == ("EntityStateException", f"The group {group_id} is not ENABLED, state: DISABLED")

    # Registered again, then deregistered and deleted by name.
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="sales@acme.awsapps.com")
    again = describe(workmail, org_id, group_id)
    assert again["EnabledDate"] > disabled["EnabledDate"] and "DisabledDate" not in again
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=group_id)
    workmail.delete_group(OrganizationId=org_id, GroupId="SALES")
    deleted = describe(workmail, org_id, group_id)
    assert deleted["State"] == "DELETED" and deleted["Name"] == "sales" and "Email" not in deleted
    assert [g["State"] for g in workmail.list_groups(OrganizationId=org_id)["Groups"]] == ["DELETED"]
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="sales@acme.awsapps.com")
    assert error_of(exc) == ("EntityStateException", f"The group {group_id} is DELETED and cannot be registered.")
    with pytest.raises(ClientError) as exc:
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=group_id)
    assert error_of(exc) == ("EntityStateException", f"The group {group_id} is not ENABLED, state: DELETED")

    # Deleting again, or a group that never existed, succeeds and changes nothing.
    for gone in (group_id, "sales", "nobody", UNKNOWN_ID):
        workmail.delete_group(OrganizationId=org_id, GroupId=gone)
    assert describe(workmail, org_id, group_id) == deleted
    # The name and the address are free again; the name now means the new group.
    fresh = create(workmail, org_id, "Sales")
    assert fresh != group_id
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=fresh, Email="sales@acme.awsapps.com")
    assert describe(workmail, org_id, "sales")["GroupId"] == fresh
    assert describe(workmail, org_id, group_id)["State"] == "DELETED"  # the old one stays visible by ID


def test_delete_group_names_groups_by_id_or_name_only(workmail, org_id) -> None:
    group_id = create(workmail, org_id, "sales")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="sales@acme.awsapps.com")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=group_id)
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="team@acme.awsapps.com")
    # An address names no group for DeleteGroup, and a user is no group: nothing happens.
    create_user(workmail, org_id, "bob")
    workmail.delete_group(OrganizationId=org_id, GroupId="team@acme.awsapps.com")
    workmail.delete_group(OrganizationId=org_id, GroupId="bob")
    assert describe(workmail, org_id, group_id)["State"] == "ENABLED"
    assert workmail.describe_user(OrganizationId=org_id, UserId="bob")["State"] == "DISABLED"


def test_one_namespace_with_users(workmail, org_id) -> None:
    user_id = create_user(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@acme.awsapps.com")
    # A group cannot take a user's name (any case) or address.
    for name in ("bob", "BOB"):
        with pytest.raises(ClientError) as exc:
            create(workmail, org_id, name)
        assert error_of(exc) == ("NameAvailabilityException",
                                 f"The name {name} is already in use in organization {org_id}.")
    group_id = create(workmail, org_id, "sales")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="Bob@acme.awsapps.com")
    assert error_of(exc) == ("EmailAddressInUseException",
                             f"The email address Bob@acme.awsapps.com is already in use in organization {org_id}.")
    # Nor a user a group's, nor a group another group's.
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="sales@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        create_user(workmail, org_id, "Sales")
    assert error_of(exc)[0] == "NameAvailabilityException"
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "SALES")
    assert error_of(exc)[0] == "NameAvailabilityException"
    carol = create_user(workmail, org_id, "carol")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=carol, Email="SALES@acme.awsapps.com")
    assert error_of(exc)[0] == "EmailAddressInUseException"
    # A group's address names the group, not a user.
    with pytest.raises(ClientError) as exc:
        workmail.describe_user(OrganizationId=org_id, UserId="sales@acme.awsapps.com")
    assert error_of(exc)[0] == "EntityNotFoundException"

    # A deleted group frees both for users.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=group_id)
    workmail.delete_group(OrganizationId=org_id, GroupId=group_id)
    sales_user = create_user(workmail, org_id, "sales")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=sales_user, Email="sales@acme.awsapps.com")
    # …and a deleted user frees its name for a group.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=user_id)
    workmail.delete_user(OrganizationId=org_id, UserId=user_id)
    assert GUID.search(create(workmail, org_id, "Bob"))


def test_same_name_in_another_organization(workmail, org_id) -> None:
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    assert create(workmail, org_id, "sales") != create(workmail, other, "sales")


@pytest.mark.parametrize("name", ["administrator", "Postmaster", "ROOT"])
def test_reserved_names(workmail, org_id, name) -> None:
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, name)
    assert error_of(exc) == ("ReservedNameException", f"The name {name} is reserved and cannot be used.")


def test_invalid_names(workmail, server, org_id) -> None:
    for name in ("Ops \u4e00", "   "):
        with pytest.raises(ClientError) as exc:
            create(workmail, org_id, name)
        assert error_of(exc)[0] == "InvalidParameterException"
    for body in ({"OrganizationId": org_id}, {"OrganizationId": org_id, "Name": ""},
                 {"OrganizationId": org_id, "Name": "x" * 257}):
        status, _, answer = server.raw("WorkMailService.CreateGroup", body)
        assert status == 400 and answer["__type"] == "InvalidParameterException"
    assert workmail.list_groups(OrganizationId=org_id)["Groups"] == []


def test_describe_unknown_groups(workmail, org_id) -> None:
    user_id = create_user(workmail, org_id, "bob")
    for unknown in ("nobody", UNKNOWN_ID, user_id, "bob", "nobody@acme.awsapps.com"):
        with pytest.raises(ClientError) as exc:
            describe(workmail, org_id, unknown)
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The group {unknown} was not found in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        describe(workmail, org_id, "###")  # no EntityIdentifier character at all
    assert error_of(exc)[0] == "InvalidParameterException"


def test_update(workmail, org_id) -> None:
    group_id = create(workmail, org_id, "sales")
    workmail.update_group(OrganizationId=org_id, GroupId="sales", HiddenFromGlobalAddressList=True)
    assert describe(workmail, org_id, group_id)["HiddenFromGlobalAddressList"] is True
    workmail.update_group(OrganizationId=org_id, GroupId=group_id)  # nothing given: nothing changes
    assert describe(workmail, org_id, group_id)["HiddenFromGlobalAddressList"] is True
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="sales@acme.awsapps.com")
    workmail.update_group(OrganizationId=org_id, GroupId="sales@acme.awsapps.com", HiddenFromGlobalAddressList=False)
    group = describe(workmail, org_id, group_id)
    assert group["HiddenFromGlobalAddressList"] is False and group["State"] == "ENABLED"


def test_update_errors(workmail, org_id) -> None:
    user_id = create_user(workmail, org_id, "bob")
    for unknown in ("nobody", UNKNOWN_ID, user_id):
        with pytest.raises(ClientError) as exc:
            workmail.update_group(OrganizationId=org_id, GroupId=unknown, HiddenFromGlobalAddressList=True)
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The group {unknown} was not found in organization {org_id}.")
    group_id = create(workmail, org_id, "sales")
    workmail.delete_group(OrganizationId=org_id, GroupId=group_id)
    with pytest.raises(ClientError) as exc:
        workmail.update_group(OrganizationId=org_id, GroupId=group_id, HiddenFromGlobalAddressList=True)
    assert error_of(exc) == ("EntityStateException", f"The group {group_id} is DELETED.")
    assert describe(workmail, org_id, group_id)["HiddenFromGlobalAddressList"] is False


def test_list_filters(workmail, org_id) -> None:
    sales = create(workmail, org_id, "Sales")
    support = create(workmail, org_id, "support team")
    ops = create(workmail, org_id, "ops")
    gone = create(workmail, org_id, "old")
    workmail.delete_group(OrganizationId=org_id, GroupId=gone)
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=ops, Email="sales-ops@acme.awsapps.com")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=sales, Email="deals@acme.awsapps.com")
    create_user(workmail, org_id, "sam")  # users are not listed

    def ids(**filters: str) -> list[str]:
        return [g["Id"] for g in workmail.list_groups(OrganizationId=org_id, Filters=filters)["Groups"]]

    assert ids() == [sales, support, ops, gone]
    assert ids(NamePrefix="s") == [sales, support]
    assert ids(NamePrefix="SUPPORT T") == [support]
    assert ids(NamePrefix="team") == []
    assert ids(PrimaryEmailPrefix="SALES") == [ops]
    assert ids(PrimaryEmailPrefix="deals@acme") == [sales]
    assert ids(State="ENABLED") == [sales, ops]
    assert ids(State="DISABLED") == [support]
    assert ids(State="DELETED") == [gone]

    summaries = {g["Id"]: g for g in workmail.list_groups(OrganizationId=org_id)["Groups"]}
    assert set(summaries[sales]) == {"Id", "Email", "Name", "State", "EnabledDate"}
    assert summaries[sales]["Email"] == "deals@acme.awsapps.com" and summaries[sales]["Name"] == "Sales"
    assert summaries[support] == {"Id": support, "Name": "support team", "State": "DISABLED"}

    with pytest.raises(ClientError) as exc:
        workmail.list_groups(OrganizationId=org_id, Filters={"NamePrefix": "s", "State": "ENABLED"})
    assert error_of(exc) == ("InvalidParameterException",
                             "You can only use one filter per request; got 2: NamePrefix, State.")
    with pytest.raises(ClientError) as exc:
        workmail.list_groups(OrganizationId=org_id, Filters={"State": "GONE"})
    assert error_of(exc)[0] == "InvalidParameterException"


def test_list_pagination(workmail, server, org_id) -> None:
    created = [create(workmail, org_id, f"group{i}") for i in range(7)]
    seen: list[str] = []
    token = None
    while True:
        page = workmail.list_groups(OrganizationId=org_id, MaxResults=3, **({"NextToken": token} if token else {}))
        assert len(page["Groups"]) <= 3
        seen += [g["Id"] for g in page["Groups"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == created
    paginated = [g["Id"] for page in workmail.get_paginator("list_groups").paginate(
        OrganizationId=org_id, Filters={"NamePrefix": "group"}, PaginationConfig={"PageSize": 2})
        for g in page["Groups"]]
    assert paginated == created

    first = workmail.list_groups(OrganizationId=org_id, MaxResults=2, Filters={"NamePrefix": "group"})
    # A token belongs to its query: another filter or operation cannot use it.
    for call in (
        lambda: workmail.list_groups(OrganizationId=org_id, NextToken=first["NextToken"]),
        lambda: workmail.list_users(OrganizationId=org_id, NextToken=first["NextToken"]),
        lambda: workmail.list_groups(OrganizationId=org_id, NextToken="not-a-token"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        workmail.list_groups(OrganizationId=org_id, MaxResults=101)
    assert error_of(exc)[0] == "InvalidParameterException"


def test_delete_organization_with_an_enabled_group(workmail, org_id) -> None:
    group_id = create(workmail, org_id, "sales")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="sales@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    assert error_of(exc) == ("InvalidParameterException",
                             f"Organization {org_id} has 1 enabled group(s); deregister them, "
                             "or set ForceDelete to delete the organization anyway.")
    # A disabled group does not keep the organization.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=group_id)
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Deleted"


def test_force_delete_organization_deletes_its_groups(workmail, server) -> None:
    org_id = workmail.create_organization(Alias="acme")["OrganizationId"]
    group_id = create(workmail, org_id, "sales")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email="sales@acme.awsapps.com")
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, ForceDelete=True)
    with pytest.raises(ClientError) as exc:
        describe(workmail, org_id, group_id)
    assert error_of(exc)[0] == "OrganizationStateException"
    # The alias (and so the test domain's addresses) may be used by a new organization.
    server.control("POST", "/clock", {"advance_seconds": 3 * 86400})
    fresh = workmail.create_organization(Alias="acme")["OrganizationId"]
    again = create(workmail, fresh, "sales")
    workmail.register_to_work_mail(OrganizationId=fresh, EntityId=again, Email="sales@acme.awsapps.com")


CALLS: dict[str, Callable[[Any, str], Any]] = {
    "CreateGroup": lambda wm, org: wm.create_group(OrganizationId=org, Name="sales"),
    "DescribeGroup": lambda wm, org: wm.describe_group(OrganizationId=org, GroupId="sales"),
    "UpdateGroup": lambda wm, org: wm.update_group(OrganizationId=org, GroupId="sales",
                                                   HiddenFromGlobalAddressList=True),
    "ListGroups": lambda wm, org: wm.list_groups(OrganizationId=org),
    "DeleteGroup": lambda wm, org: wm.delete_group(OrganizationId=org, GroupId="sales"),
}


def check_organization_errors(workmail, server, org_id: str, call: Callable[[Any, str], Any]) -> None:  # noqa: ANN001
    """``call`` on an unknown, another account's, another region's, a malformed and a
    deleted organization: OrganizationNotFound, InvalidParameter, OrganizationState."""
    for client, org in ((workmail, "m-" + "0" * 32), (server.client("workmail", account=OTHER_ACCOUNT), org_id),
                        (server.client("workmail", region="eu-west-1"), org_id)):
        with pytest.raises(ClientError) as exc:
            call(client, org)
        assert error_of(exc) == ("OrganizationNotFoundException", f"The organization {org} was not found.")
    with pytest.raises(ClientError) as exc:
        call(workmail, "m-" + "Z" * 32)
    assert error_of(exc)[0] == "InvalidParameterException"
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    with pytest.raises(ClientError) as exc:
        call(workmail, org_id)
    assert error_of(exc) == ("OrganizationStateException", f"Organization {org_id} is not Active, state: Deleted")


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation) -> None:
    create(workmail, org_id, "sales")
    check_organization_errors(workmail, server, org_id, CALLS[operation])


def test_restart_keeps_groups_and_members(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="durable")["OrganizationId"]
        sales = create(wm, org_id, "sales", HiddenFromGlobalAddressList=True)
        inner = create(wm, org_id, "inner team")
        gone = create(wm, org_id, "gone")
        wm.delete_group(OrganizationId=org_id, GroupId=gone)
        wm.register_to_work_mail(OrganizationId=org_id, EntityId=sales, Email="sales@durable.awsapps.com")
        bob = create_user(wm, org_id, "bob")
        wm.associate_member_to_group(OrganizationId=org_id, GroupId=sales, MemberId=inner)
        wm.associate_member_to_group(OrganizationId=org_id, GroupId=inner, MemberId=bob)
        before = [describe(wm, org_id, g) for g in (sales, inner, gone)]
        members = wm.list_group_members(OrganizationId=org_id, GroupId=sales)["Members"]
        listed = wm.list_groups(OrganizationId=org_id, MaxResults=1)
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        assert [describe(wm, org_id, g) for g in (sales, inner, gone)] == before
        assert wm.list_group_members(OrganizationId=org_id, GroupId=sales)["Members"] == members
        assert [g["GroupId"] for g in wm.list_groups_for_entity(OrganizationId=org_id, EntityId=bob)["Groups"]] == [
            inner]
        page = wm.list_groups(OrganizationId=org_id, MaxResults=1, NextToken=listed["NextToken"])
        assert page["Groups"][0]["Id"] == inner
        # The namespace and the address space survive too.
        with pytest.raises(ClientError) as exc:
            create(wm, org_id, "SALES")
        assert error_of(exc)[0] == "NameAvailabilityException"
        with pytest.raises(ClientError) as exc:
            wm.register_to_work_mail(OrganizationId=org_id, EntityId=inner, Email="sales@durable.awsapps.com")
        assert error_of(exc)[0] == "EmailAddressInUseException"
        # The cycle check reads the stored memberships.
        with pytest.raises(ClientError) as exc:
            wm.associate_member_to_group(OrganizationId=org_id, GroupId=inner, MemberId=sales)
        assert error_of(exc)[0] == "InvalidParameterException"
