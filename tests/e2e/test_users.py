"""Users end to end, with boto3 against the live server: CreateUser, DescribeUser,
ListUsers, UpdateUser and DeleteUser, with every modelled error they can give on an
organization that uses the WorkMail directory.

Registration is in test_users_registration.py, passwords and restarts in
test_users_passwords.py.
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of
from workmail_local.protocol.model import load_service

MODEL = load_service("workmail").model
USER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STORE_ID = re.compile(MODEL.shape_for("IdentityProviderIdentityStoreId").metadata["pattern"].replace("\\\\", "\\"))
IDC_USER = "12345678-1234-1234-1234-123456789012"
OTHER_IDC_USER = "0123456789-abcdefab-1234-1234-1234-123456789012"
OTHER_ACCOUNT = "210987654321"


def create(workmail, org_id: str, name: str, **extra) -> str:  # noqa: ANN001
    return workmail.create_user(OrganizationId=org_id, Name=name, DisplayName=extra.pop("DisplayName", name.title()),
                                **extra)["UserId"]


def test_new_organization_lists_no_users(workmail, org_id) -> None:
    assert workmail.list_users(OrganizationId=org_id)["Users"] == []


def test_create_and_describe(workmail, org_id) -> None:
    user_id = create(workmail, org_id, "bob", DisplayName="Bob Smith", FirstName="Bob", LastName="Smith")
    assert USER_ID.search(user_id)
    width = MODEL.shape_for("WorkMailIdentifier").metadata
    assert width["min"] <= len(user_id) <= width["max"]

    user = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    user.pop("ResponseMetadata")
    assert user == {
        "UserId": user_id, "Name": "bob", "DisplayName": "Bob Smith", "State": "DISABLED", "UserRole": "USER",
        "FirstName": "Bob", "LastName": "Smith", "HiddenFromGlobalAddressList": False,
    }
    # Name and ID resolve; names case-insensitively.
    assert workmail.describe_user(OrganizationId=org_id, UserId="BOB")["UserId"] == user_id
    assert workmail.describe_user(OrganizationId=org_id, UserId=user_id.upper())["UserId"] == user_id


def test_create_options(workmail, org_id) -> None:
    remote = create(workmail, org_id, "remote", Role="REMOTE_USER", HiddenFromGlobalAddressList=True,
                    IdentityProviderUserId=IDC_USER)
    user = workmail.describe_user(OrganizationId=org_id, UserId=remote)
    assert user["UserRole"] == "REMOTE_USER"
    assert user["HiddenFromGlobalAddressList"] is True
    assert user["IdentityProviderUserId"] == IDC_USER
    assert STORE_ID.search(user["IdentityProviderIdentityStoreId"])
    # Every user of the account and region is linked to the same identity store.
    other = create(workmail, org_id, "other", IdentityProviderUserId=OTHER_IDC_USER)
    assert workmail.describe_user(OrganizationId=org_id, UserId=other)["IdentityProviderIdentityStoreId"] == \
        user["IdentityProviderIdentityStoreId"]
    # A display name may be empty; it still comes back.
    assert workmail.describe_user(OrganizationId=org_id, UserId=create(
        workmail, org_id, "blank", DisplayName=""))["DisplayName"] == ""


@pytest.mark.parametrize("role", ["SYSTEM_USER", "RESOURCE"])
def test_create_with_a_service_role_is_refused(workmail, org_id, role) -> None:
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "bob", Role=role)
    assert error_of(exc) == ("InvalidParameterException",
                             f"The role {role} cannot be given to a user; use USER or REMOTE_USER.")
    assert workmail.list_users(OrganizationId=org_id)["Users"] == []


def test_name_availability(workmail, server, org_id) -> None:
    first = create(workmail, org_id, "bob")
    for taken in ("bob", "BoB"):
        with pytest.raises(ClientError) as exc:
            create(workmail, org_id, taken)
        assert error_of(exc) == ("NameAvailabilityException",
                                 f"The name {taken} is already in use in organization {org_id}.")
    # Another organization has its own names.
    other_org = workmail.create_organization(Alias="other")["OrganizationId"]
    create(workmail, other_org, "bob")
    # A deleted user frees its name; the name then means the live user.
    workmail.delete_user(OrganizationId=org_id, UserId=first)
    second = create(workmail, org_id, "bob")
    assert workmail.describe_user(OrganizationId=org_id, UserId="bob")["UserId"] == second
    assert workmail.describe_user(OrganizationId=org_id, UserId=first)["State"] == "DELETED"


@pytest.mark.parametrize("name", ["administrator", "postmaster", "root", "abuse", "hostmaster", "webmaster",
                                  "mailer-daemon", "Administrator", "ROOT", "abuse@example.com"])
def test_reserved_names(workmail, org_id, name) -> None:
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, name)
    assert error_of(exc) == ("ReservedNameException", f"The name {name} is reserved and cannot be used.")


def test_name_length_depends_on_the_directory(workmail, server) -> None:
    long_name = "a" * 21
    org_id = workmail.create_organization(Alias="acme")["OrganizationId"]
    create(workmail, org_id, "b" * 64)
    create(workmail, org_id, long_name)
    status, directory = server.control("POST", "/directories", {"Alias": "corp", "AccountId": "123456789012"})
    assert status == 200
    corp = workmail.create_organization(Alias="corp", DirectoryId=directory["DirectoryId"])["OrganizationId"]
    with pytest.raises(ClientError) as exc:
        create(workmail, corp, long_name)
    assert error_of(exc) == ("InvalidParameterException",
                             "User names have a maximum length of 20 in organizations on a VpcDirectory directory.")
    create(workmail, corp, "a" * 20)


def test_create_validation_errors(workmail, server, org_id) -> None:
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "b" * 65)
    assert error_of(exc)[0] == "InvalidParameterException"
    assert "at 'name' failed to satisfy constraint: Member must have length less than or equal to 64" in \
        error_of(exc)[1]
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "bob", Role="ADMIN")
    assert error_of(exc)[1] == ("1 validation error detected: Value 'ADMIN' at 'role' failed to satisfy constraint: "
                                "Member must satisfy enum value set: [USER, RESOURCE, SYSTEM_USER, REMOTE_USER]")
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "bob", IdentityProviderUserId="not-an-idc-user-id")
    assert error_of(exc)[0] == "InvalidParameterException"
    # Required members, sent raw since boto3 refuses to.
    status, _, body = server.raw("WorkMailService.CreateUser", {"OrganizationId": org_id, "Name": "bob"})
    assert status == 400 and body == {
        "__type": "InvalidParameterException",
        "message": "1 validation error detected: Value null at 'displayName' failed to satisfy constraint: "
                   "Member must not be null",
    }
    # Display names are sensitive: a violation never echoes one.
    status, _, body = server.raw("WorkMailService.CreateUser",
                                 {"OrganizationId": org_id, "Name": "bob", "DisplayName": "S" * 257})
    assert status == 400 and "S" * 257 not in body["message"] and "Value '***' at 'displayName'" in body["message"]
    assert workmail.list_users(OrganizationId=org_id)["Users"] == []


def test_describe_unknown_users(workmail, org_id) -> None:
    for unknown in ("12345678-1234-1234-1234-123456789012", "nobody", "nobody@acme.awsapps.com"):
        with pytest.raises(ClientError) as exc:
            workmail.describe_user(OrganizationId=org_id, UserId=unknown)
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The user {unknown} was not found in organization {org_id}.")
    # A user of another organization is not found in this one.
    other_org = workmail.create_organization(Alias="other")["OrganizationId"]
    stranger = create(workmail, other_org, "stranger")
    with pytest.raises(ClientError) as exc:
        workmail.describe_user(OrganizationId=org_id, UserId=stranger)
    assert error_of(exc)[0] == "EntityNotFoundException"


def test_update_every_attribute(workmail, org_id) -> None:
    user_id = create(workmail, org_id, "bob", FirstName="Bob")
    attributes = {
        "DisplayName": "Robert", "FirstName": "Robert", "LastName": "Smith", "Initials": "RS",
        "Telephone": "+1 555 0100", "Street": "1 Main St", "JobTitle": "Engineer", "City": "Springfield",
        "Company": "Acme", "ZipCode": "12345", "Department": "R&D", "Country": "US", "Office": "B2",
    }
    assert workmail.update_user(OrganizationId=org_id, UserId="bob", Role="REMOTE_USER",
                                HiddenFromGlobalAddressList=True, IdentityProviderUserId=IDC_USER,
                                **attributes)["ResponseMetadata"]["HTTPStatusCode"] == 200
    user = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert {k: user[k] for k in attributes} == attributes
    assert user["UserRole"] == "REMOTE_USER" and user["HiddenFromGlobalAddressList"] is True
    assert user["IdentityProviderUserId"] == IDC_USER and STORE_ID.search(user["IdentityProviderIdentityStoreId"])

    # Members left out stay; empty strings clear; "" unlinks Identity Center entirely.
    workmail.update_user(OrganizationId=org_id, UserId=user_id, City="", DisplayName="", IdentityProviderUserId="")
    user = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert "City" not in user and user["DisplayName"] == "" and user["Company"] == "Acme"
    assert "IdentityProviderUserId" not in user and "IdentityProviderIdentityStoreId" not in user
    summary = workmail.list_users(OrganizationId=org_id)["Users"][0]
    assert "IdentityProviderUserId" not in summary and summary["UserRole"] == "REMOTE_USER"
    workmail.update_user(OrganizationId=org_id, UserId=user_id, Role="USER", HiddenFromGlobalAddressList=False)
    user = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert user["UserRole"] == "USER" and user["HiddenFromGlobalAddressList"] is False


def test_update_errors(workmail, org_id) -> None:
    user_id = create(workmail, org_id, "bob")
    for role in ("SYSTEM_USER", "RESOURCE"):
        with pytest.raises(ClientError) as exc:
            workmail.update_user(OrganizationId=org_id, UserId=user_id, Role=role)
        assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        workmail.update_user(OrganizationId=org_id, UserId="nobody", City="Paris")
    assert error_of(exc)[0] == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        workmail.update_user(OrganizationId=org_id, UserId=user_id, IdentityProviderUserId="xyz")
    assert error_of(exc)[0] == "InvalidParameterException"
    workmail.delete_user(OrganizationId=org_id, UserId=user_id)
    with pytest.raises(ClientError) as exc:
        workmail.update_user(OrganizationId=org_id, UserId=user_id, City="Paris")
    assert error_of(exc) == ("EntityStateException", f"The user {user_id} is DELETED.")
    assert "City" not in workmail.describe_user(OrganizationId=org_id, UserId=user_id)


def test_delete_user(workmail, org_id) -> None:
    user_id = create(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.delete_user(OrganizationId=org_id, UserId=user_id)
    assert error_of(exc) == ("EntityStateException",
                             f"The user {user_id} is ENABLED: deregister it from WorkMail before deleting it.")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=user_id)
    workmail.delete_user(OrganizationId=org_id, UserId="bob")  # by name

    user = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert user["State"] == "DELETED" and user["Name"] == "bob"
    assert [u["State"] for u in workmail.list_users(OrganizationId=org_id)["Users"]] == ["DELETED"]
    listed = workmail.list_users(OrganizationId=org_id, Filters={"State": "DELETED"})["Users"]
    assert [u["Id"] for u in listed] == [user_id]
    # Deleting again, or deleting someone who never existed, succeeds and changes nothing.
    workmail.delete_user(OrganizationId=org_id, UserId=user_id)
    workmail.delete_user(OrganizationId=org_id, UserId="nobody")
    workmail.delete_user(OrganizationId=org_id, UserId="12345678-1234-1234-1234-123456789012")
    assert len(workmail.list_users(OrganizationId=org_id)["Users"]) == 1


def test_list_filters(workmail, org_id) -> None:
    alice = create(workmail, org_id, "alice", DisplayName="Alice Archer", IdentityProviderUserId=IDC_USER)
    albert = create(workmail, org_id, "Albert", DisplayName="Bert", IdentityProviderUserId=OTHER_IDC_USER)
    carol = create(workmail, org_id, "carol", DisplayName="Carol Alder")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=carol, Email="carol@acme.awsapps.com")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=albert, Email="al@acme.awsapps.com")

    def ids(**filters: str) -> list[str]:
        return [u["Id"] for u in workmail.list_users(OrganizationId=org_id, Filters=filters)["Users"]]

    assert ids() == [alice, albert, carol]
    assert ids(UsernamePrefix="al") == [alice, albert]
    assert ids(UsernamePrefix="ALI") == [alice]
    assert ids(DisplayNamePrefix="carol a") == [carol]
    assert ids(DisplayNamePrefix="Alder") == []
    assert ids(PrimaryEmailPrefix="CAR") == [carol]
    assert ids(PrimaryEmailPrefix="al@") == [albert]
    assert ids(PrimaryEmailPrefix="alice") == []  # alice has no address
    assert ids(State="ENABLED") == [albert, carol]
    assert ids(State="DISABLED") == [alice]
    assert ids(State="DELETED") == []
    assert ids(IdentityProviderUserIdPrefix="12345678") == [alice]
    assert ids(IdentityProviderUserIdPrefix="0123456789-ABC") == [albert]

    summaries = {u["Id"]: u for u in workmail.list_users(OrganizationId=org_id)["Users"]}
    assert set(summaries[carol]) == {"Id", "Email", "Name", "DisplayName", "State", "UserRole", "EnabledDate"}
    assert summaries[alice]["IdentityProviderUserId"] == IDC_USER
    assert STORE_ID.search(summaries[alice]["IdentityProviderIdentityStoreId"])

    with pytest.raises(ClientError) as exc:
        workmail.list_users(OrganizationId=org_id, Filters={"UsernamePrefix": "a", "State": "ENABLED"})
    assert error_of(exc) == ("InvalidParameterException",
                             "You can only use one filter per request; got 2: UsernamePrefix, State.")
    with pytest.raises(ClientError) as exc:
        workmail.list_users(OrganizationId=org_id, Filters={"IdentityProviderUserIdPrefix": "xyz"})
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        workmail.list_users(OrganizationId=org_id, Filters={"State": "GONE"})
    assert error_of(exc)[0] == "InvalidParameterException"


def test_list_pagination(workmail, server, org_id) -> None:
    created = [create(workmail, org_id, f"user{i}") for i in range(7)]
    seen: list[str] = []
    token = None
    while True:
        page = workmail.list_users(OrganizationId=org_id, MaxResults=3, **({"NextToken": token} if token else {}))
        assert len(page["Users"]) <= 3
        seen += [u["Id"] for u in page["Users"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == created
    paginated = [u["Id"] for page in workmail.get_paginator("list_users").paginate(
        OrganizationId=org_id, Filters={"UsernamePrefix": "user"}, PaginationConfig={"PageSize": 2})
        for u in page["Users"]]
    assert paginated == created

    first = workmail.list_users(OrganizationId=org_id, MaxResults=2, Filters={"UsernamePrefix": "user"})
    # A token belongs to its query: another filter, organization or account cannot use it.
    other_org = workmail.create_organization(Alias="other")["OrganizationId"]
    for call in (
        lambda: workmail.list_users(OrganizationId=org_id, NextToken=first["NextToken"]),
        lambda: workmail.list_users(OrganizationId=other_org, NextToken=first["NextToken"],
                                    Filters={"UsernamePrefix": "user"}),
        lambda: workmail.list_users(OrganizationId=org_id, NextToken="not-a-token"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        workmail.list_users(OrganizationId=org_id, MaxResults=101)
    assert error_of(exc)[0] == "InvalidParameterException"
    status, _, body = server.raw("WorkMailService.ListUsers", {"OrganizationId": org_id, "MaxResults": 0})
    assert status == 400 and body["__type"] == "InvalidParameterException"


CALLS = {
    "CreateUser": lambda wm, org: wm.create_user(OrganizationId=org, Name="bob", DisplayName="Bob"),
    "DescribeUser": lambda wm, org: wm.describe_user(OrganizationId=org, UserId="bob"),
    "ListUsers": lambda wm, org: wm.list_users(OrganizationId=org),
    "UpdateUser": lambda wm, org: wm.update_user(OrganizationId=org, UserId="bob", City="Paris"),
    "RegisterToWorkMail": lambda wm, org: wm.register_to_work_mail(OrganizationId=org, EntityId="bob",
                                                                    Email="bob@acme.awsapps.com"),
    "DeregisterFromWorkMail": lambda wm, org: wm.deregister_from_work_mail(OrganizationId=org, EntityId="bob"),
    "ResetPassword": lambda wm, org: wm.reset_password(OrganizationId=org, UserId="12345678-1234-1234-1234-1234",
                                                       Password="Correct-Horse-9"),
    "DeleteUser": lambda wm, org: wm.delete_user(OrganizationId=org, UserId="bob"),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation) -> None:
    call = CALLS[operation]
    # Unknown, another account's and another region's organizations are not found.
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
