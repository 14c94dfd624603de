"""identitystore users end to end, with boto3 against the live server: identity stores,
CreateUser, DescribeUser, ListUsers, GetUserId, UpdateUser, DeleteUser and their modelled
errors, isolation across accounts and regions, and durability across a restart."""

from __future__ import annotations

import time
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
STORE_ARN = regex.compile("^" + MODEL.shape_for("IdentityStoreArn").metadata["pattern"] + "$")
USER_NAME_PATTERN = MODEL.shape_for("UserName").metadata["pattern"]
DISPLAY_NAME_PATTERN = MODEL.shape_for("SensitiveStringType").metadata["pattern"]
OTHER_ACCOUNT = "210987654321"
ENTERPRISE = "aws:identitystore:enterprise"


def new_user(ids: Any, store: str, name: str, **extra: Any) -> str:
    attrs = {"DisplayName": f"{name} display", "Name": {"GivenName": name, "FamilyName": "Tester"}, **extra}
    return ids.create_user(IdentityStoreId=store, UserName=name, **attrs)["UserId"]


# -- identity stores ----------------------------------------------------------------


def test_the_instance_has_one_identity_store(ids, server) -> None:
    stores = ids.list_identity_stores()["IdentityStores"]
    assert len(stores) == 1
    store = stores[0]
    assert regex.fullmatch(r"d-[0-9a-f]{10}", store["IdentityStoreId"])
    assert store["IdentityStoreArn"] == f"arn:aws:identitystore::123456789012:identitystore/{store['IdentityStoreId']}"
    assert STORE_ARN.search(store["IdentityStoreArn"])
    assert ids.list_identity_stores()["IdentityStores"] == stores  # created once, on first use
    described = ids.describe_identity_store(IdentityStoreId=store["IdentityStoreId"])
    assert (described["IdentityStoreId"], described["IdentityStoreArn"]) == (
        store["IdentityStoreId"], store["IdentityStoreArn"])
    # Each account and region has its own.
    other = store_of(server.client("identitystore", account=OTHER_ACCOUNT))
    elsewhere = store_of(server.client("identitystore", region="eu-west-1"))
    assert len({store["IdentityStoreId"], other, elsewhere}) == 3


def test_unknown_or_foreign_identity_store_is_resource_not_found(ids, store, server) -> None:
    foreign = store_of(server.client("identitystore", account=OTHER_ACCOUNT))
    for given in ("d-0000000000", foreign, f"arn:aws:identitystore::{OTHER_ACCOUNT}:identitystore/{store}"):
        with pytest.raises(ClientError) as exc:
            ids.describe_identity_store(IdentityStoreId=given)
        assert error(exc) == ("ResourceNotFoundException", f"Identity store {given} was not found.")
        assert exc.value.response["ResourceType"] == "IDENTITY_STORE"
        assert exc.value.response["ResourceId"] == given
    # The caller's own store may be named by its ARN.
    arn = f"arn:aws:identitystore::123456789012:identitystore/{store}"
    assert ids.describe_identity_store(IdentityStoreId=arn)["IdentityStoreId"] == store


USER_ID = "0123456789-01234567-89ab-cdef-0123-456789abcdef"
OPERATIONS_ON_A_STORE = [
    ("create_user", {"UserName": "u", "DisplayName": "U", "Name": {"GivenName": "U", "FamilyName": "V"}}),
    ("describe_user", {"UserId": USER_ID}),
    ("list_users", {}),
    ("get_user_id", {"AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "u"}}}),
    ("update_user", {"UserId": USER_ID, "Operations": [{"AttributePath": "title", "AttributeValue": "Dr"}]}),
    ("delete_user", {"UserId": USER_ID}),
]


@pytest.mark.parametrize(("operation", "kwargs"), OPERATIONS_ON_A_STORE)
def test_every_user_operation_checks_the_identity_store(ids, store, operation, kwargs) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(ids, operation)(IdentityStoreId="d-0000000000", **kwargs)
    assert error(exc)[0] == "ResourceNotFoundException"
    assert exc.value.response["ResourceType"] == "IDENTITY_STORE"


# -- create and describe ---------------------------------------------------------------


def test_create_and_describe_every_attribute(ids, store) -> None:
    attrs = {
        "UserName": "jdoe",
        "Name": {"Formatted": "Dr Jane M Doe PhD", "FamilyName": "Doe", "GivenName": "Jane", "MiddleName": "M",
                 "HonorificPrefix": "Dr", "HonorificSuffix": "PhD"},
        "DisplayName": "Jane Doe",
        "NickName": "JD",
        "ProfileUrl": "https://example.com/jdoe",
        "Emails": [{"Value": "jane@example.com", "Type": "work", "Primary": True}],
        "Addresses": [{"StreetAddress": "1 Main St", "Locality": "Springfield", "Region": "OR", "PostalCode": "97477",
                       "Country": "US", "Formatted": "1 Main St, Springfield", "Type": "work", "Primary": True}],
        "PhoneNumbers": [{"Value": "+1 555 0100", "Type": "work", "Primary": False}],
        "UserType": "Employee",
        "Title": "Engineer",
        "PreferredLanguage": "en-US",
        "Locale": "en_US",
        "Timezone": "America/Los_Angeles",
        "Photos": [{"Value": "https://example.com/p1.png", "Type": "photo", "Display": "Me", "Primary": True},
                   {"Value": "https://example.com/p2.png"}],
        "Website": "https://jane.example.com",
        "Birthdate": "1990-01-31",
        "Roles": [{"Value": "admin", "Type": "work", "Primary": True}],
    }
    created = ids.create_user(IdentityStoreId=store, **attrs)
    user_id = created["UserId"]
    assert created["IdentityStoreId"] == store and created["Revision"] == "1"
    assert RESOURCE_ID.search(user_id) and user_id.startswith(store[2:] + "-")
    assert created["UserArn"] == f"arn:aws:identitystore:::user/{user_id}" and RESOURCE_ARN.search(created["UserArn"])

    user = ids.describe_user(IdentityStoreId=store, UserId=user_id)
    for key, value in attrs.items():
        assert user[key] == value, key
    assert user["UserId"] == user_id and user["UserArn"] == created["UserArn"] and user["Revision"] == "1"
    assert user["UserStatus"] == "ENABLED"
    assert user["CreatedAt"] == user["UpdatedAt"]
    assert user["CreatedBy"] == user["UpdatedBy"] == "arn:aws:iam::123456789012:root"
    assert "Extensions" not in user and "ExternalIds" not in user
    # A user may be named by its ARN.
    assert ids.describe_user(IdentityStoreId=store, UserId=created["UserArn"])["UserName"] == "jdoe"


def test_generated_ids_are_distinct_and_match_the_model(ids, store) -> None:
    user_ids = [new_user(ids, store, f"user{i}") for i in range(5)]
    assert len(set(user_ids)) == 5
    for user_id in user_ids:
        assert RESOURCE_ID.search(user_id), user_id
        assert regex.fullmatch(r"[0-9a-f]{10}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", user_id)


def test_timestamps_follow_the_emulator_clock(ids, store, server) -> None:
    server.control("POST", "/clock", {"advance_seconds": 10 * 86400})
    user_id = new_user(ids, store, "later")
    created = ids.describe_user(IdentityStoreId=store, UserId=user_id)["CreatedAt"].timestamp()
    assert created > time.time() + 9 * 86400
    server.control("POST", "/clock", {"advance_seconds": 3600})
    ids.update_user(IdentityStoreId=store, UserId=user_id, Operations=[{"AttributePath": "title", "AttributeValue": "X"}])
    user = ids.describe_user(IdentityStoreId=store, UserId=user_id)
    assert user["CreatedAt"].timestamp() == created
    assert user["UpdatedAt"].timestamp() - created >= 3600


def test_unicode_names_pass_and_characters_outside_the_pattern_fail(ids, store) -> None:
    user_id = ids.create_user(IdentityStoreId=store, UserName="zoë.ñandú@例え.jp", DisplayName="Zoë Ñandú 山田 太郎",
                              Name={"GivenName": "Zoë", "FamilyName": "Ñandú"})["UserId"]
    user = ids.describe_user(IdentityStoreId=store, UserId=user_id)
    assert (user["UserName"], user["DisplayName"]) == ("zoë.ñandú@例え.jp", "Zoë Ñandú 山田 太郎")

    with pytest.raises(ClientError) as exc:
        new_user(ids, store, " ")  # a space is not a letter, mark, symbol, number or punctuation
    assert error(exc) == ("ValidationException", "1 validation error detected: Value '***' at 'userName' failed to "
                          f"satisfy constraint: Member must satisfy regular expression pattern: {USER_NAME_PATTERN}")
    with pytest.raises(ClientError) as exc:
        ids.create_user(IdentityStoreId=store, UserName="bell", DisplayName="\x07",
                        Name={"GivenName": "B", "FamilyName": "C"})
    assert error(exc) == ("ValidationException", "1 validation error detected: Value '***' at 'displayName' failed "
                          f"to satisfy constraint: Member must satisfy regular expression pattern: {DISPLAY_NAME_PATTERN}")


def test_model_constraints_are_validation_exceptions(ids, store, server) -> None:
    loose = server.client("identitystore", validate=False)
    with pytest.raises(ClientError) as exc:
        loose.describe_user(IdentityStoreId="store-1", UserId="not-an-id")
    code, message = error(exc)
    assert code == "ValidationException" and message.startswith("2 validation errors detected: ")
    assert "at 'identityStoreId' failed to satisfy constraint" in message
    assert "Value 'not-an-id' at 'userId' failed to satisfy constraint" in message
    with pytest.raises(ClientError) as exc:
        loose.create_user(IdentityStoreId=store, UserName="x" * 129, DisplayName="X",
                          Name={"GivenName": "X", "FamilyName": "Y"})
    assert error(exc) == ("ValidationException", "1 validation error detected: Value '***' at 'userName' failed to "
                          "satisfy constraint: Member must have length less than or equal to 128")
    with pytest.raises(ClientError) as exc:
        loose.list_users(IdentityStoreId=store, MaxResults=0)
    assert error(exc)[0] == "ValidationException"
    status, _, body = server.raw("AWSIdentityStore.DescribeUser", {"IdentityStoreId": store})
    assert status == 400 and body["__type"] == "ValidationException"
    assert body["message"] == "1 validation error detected: Value null at 'userId' failed to satisfy constraint: " \
                              "Member must not be null"


def test_identity_center_requires_user_name_display_name_and_name(ids, store) -> None:
    with pytest.raises(ClientError) as exc:
        ids.create_user(IdentityStoreId=store, DisplayName="No Name", Name={"GivenName": "N", "FamilyName": "N"})
    assert error(exc) == ("ValidationException", "The attribute userName is required.")
    with pytest.raises(ClientError) as exc:
        ids.create_user(IdentityStoreId=store, UserName="nodisplay", Name={"GivenName": "N", "FamilyName": "N"})
    assert error(exc) == ("ValidationException", "The attribute displayName is required.")
    with pytest.raises(ClientError) as exc:
        ids.create_user(IdentityStoreId=store, UserName="noname", DisplayName="No Name")
    assert error(exc) == ("ValidationException", "The attributes name.givenName, name.familyName are required.")
    assert ids.list_users(IdentityStoreId=store)["Users"] == []


@pytest.mark.parametrize("reserved", ["Administrator", "awsadministrators"])
def test_reserved_user_names(ids, store, reserved) -> None:
    with pytest.raises(ClientError) as exc:
        new_user(ids, store, reserved)
    assert error(exc) == ("ValidationException",
                          "Administrator and AWSAdministrators are reserved names and can't be used for users or groups.")


def test_user_names_and_emails_are_unique_case_insensitively(ids, store, server) -> None:
    new_user(ids, store, "Alice", Emails=[{"Value": "alice@example.com"}])
    for name, emails in (("ALICE", None), ("alice2", [{"Value": "Alice@Example.COM"}])):
        with pytest.raises(ClientError) as exc:
            new_user(ids, store, name, **({"Emails": emails} if emails else {}))
        assert error(exc)[0] == "ConflictException"
        assert exc.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"
    assert error(exc)[1] == "Duplicate Emails.Value"
    # Another account's or region's store is another namespace.
    for client in (server.client("identitystore", account=OTHER_ACCOUNT), server.client("identitystore", region="eu-west-1")):
        new_user(client, store_of(client), "alice", Emails=[{"Value": "alice@example.com"}])


# -- list ---------------------------------------------------------------------------


def test_list_users_pages_through_everyone_once(ids, store) -> None:
    created = [new_user(ids, store, f"user{i}") for i in range(5)]
    seen, token, pages = [], None, 0
    while True:
        page = ids.list_users(IdentityStoreId=store, MaxResults=2, **({"NextToken": token} if token else {}))
        pages += 1
        assert len(page["Users"]) <= 2
        seen += [u["UserId"] for u in page["Users"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == 3 and sorted(seen) == sorted(created)
    assert [u["UserId"] for u in ids.get_paginator("list_users").paginate(IdentityStoreId=store).build_full_result()
            ["Users"]] == seen
    full = ids.list_users(IdentityStoreId=store)["Users"][0]
    assert full == {k: v for k, v in ids.describe_user(IdentityStoreId=store, UserId=full["UserId"]).items()
                    if k != "ResponseMetadata"}


def test_list_users_refuses_a_forged_or_foreign_token(ids, store) -> None:
    for i in range(3):
        new_user(ids, store, f"user{i}")
    token = ids.list_users(IdentityStoreId=store, MaxResults=1)["NextToken"]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"),):
        with pytest.raises(ClientError) as exc:
            ids.list_users(IdentityStoreId=store, MaxResults=1, NextToken=bad)
        assert error(exc) == ("ValidationException", "The NextToken is invalid or was issued for a different request.")
    # A token is bound to its query: here, the filter.
    with pytest.raises(ClientError) as exc:
        ids.list_users(IdentityStoreId=store, MaxResults=1, NextToken=token,
                       Filters=[{"AttributePath": "UserName", "AttributeValue": "user1"}])
    assert error(exc)[0] == "ValidationException"


def test_list_users_filters_by_user_name(ids, store) -> None:
    wanted = new_user(ids, store, "Bob")
    new_user(ids, store, "bobby")
    for path, value in (("UserName", "Bob"), ("userName", "BOB")):
        users = ids.list_users(IdentityStoreId=store, Filters=[{"AttributePath": path, "AttributeValue": value}])["Users"]
        assert [u["UserId"] for u in users] == [wanted]
    assert ids.list_users(IdentityStoreId=store, Filters=[{"AttributePath": "UserName", "AttributeValue": "nobody"}])[
        "Users"] == []
    assert len(ids.list_users(IdentityStoreId=store, Filters=[])["Users"]) == 2
    with pytest.raises(ClientError) as exc:
        ids.list_users(IdentityStoreId=store, Filters=[{"AttributePath": "DisplayName", "AttributeValue": "Bob"}])
    assert error(exc) == ("ValidationException",
                          "Filtering by DisplayName is not supported: ListUsers filters only by UserName.")


def test_extensions_are_returned_only_when_asked_for(ids, store) -> None:
    enterprise = {"employeeNumber": "42", "costCenter": "CC1", "organization": "Acme", "division": "R&D",
                  "department": "Mail", "manager": {"value": "boss-id"}}
    user_id = new_user(ids, store, "ext", Extensions={ENTERPRISE: enterprise})
    assert "Extensions" not in ids.describe_user(IdentityStoreId=store, UserId=user_id)
    described = ids.describe_user(IdentityStoreId=store, UserId=user_id, Extensions=[ENTERPRISE])
    assert described["Extensions"] == {ENTERPRISE: enterprise}
    listed = ids.list_users(IdentityStoreId=store, Extensions=[ENTERPRISE])["Users"][0]
    assert listed["Extensions"] == {ENTERPRISE: enterprise}
    for call in (lambda: ids.describe_user(IdentityStoreId=store, UserId=user_id, Extensions=["aws:identitystore:other"]),
                 lambda: ids.list_users(IdentityStoreId=store, Extensions=["aws:identitystore:other"]),
                 lambda: new_user(ids, store, "ext2", Extensions={"aws:identitystore:other": {"a": "b"}})):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("ValidationException", "The extension aws:identitystore:other is not supported: "
                              "aws:identitystore:enterprise is the only supported extension name.")
    with pytest.raises(ClientError) as exc:
        new_user(ids, store, "ext3", Extensions={ENTERPRISE: {"shoeSize": "44"}})
    assert error(exc) == ("ValidationException", f"Unknown attribute 'shoeSize' at 'extensions.{ENTERPRISE}'.")
    with pytest.raises(ClientError) as exc:
        new_user(ids, store, "ext4", Extensions={ENTERPRISE: "not an object"})
    assert error(exc) == ("ValidationException", f"The attribute value at 'extensions.{ENTERPRISE}' must be an object.")


# -- GetUserId ------------------------------------------------------------------------


def unique(path: str, value: Any) -> dict[str, Any]:
    return {"UniqueAttribute": {"AttributePath": path, "AttributeValue": value}}


def test_get_user_id_by_user_name_or_email(ids, store) -> None:
    user_id = new_user(ids, store, "Carol", Emails=[{"Value": "carol@example.com", "Primary": True}])
    new_user(ids, store, "dave")
    for identifier in (unique("userName", "Carol"), unique("UserName", "carol"), unique("emails.value", "carol@example.com"),
                       unique("Emails.Value", "CAROL@example.com")):
        found = ids.get_user_id(IdentityStoreId=store, AlternateIdentifier=identifier)
        assert (found["IdentityStoreId"], found["UserId"]) == (store, user_id)
        assert found["UserArn"] == f"arn:aws:identitystore:::user/{user_id}"


def test_get_user_id_errors(ids, store, server) -> None:
    new_user(ids, store, "erin")
    for identifier in (unique("userName", "nobody"), unique("emails.value", "nobody@example.com"),
                       {"ExternalId": {"Issuer": "https://idp.example.com", "Id": "erin"}}):
        with pytest.raises(ClientError) as exc:
            ids.get_user_id(IdentityStoreId=store, AlternateIdentifier=identifier)
        assert error(exc) == ("ResourceNotFoundException", "No user matches the alternate identifier.")
        assert exc.value.response["ResourceType"] == "USER"
    with pytest.raises(ClientError) as exc:
        ids.get_user_id(IdentityStoreId=store, AlternateIdentifier=unique("displayName", "erin display"))
    assert error(exc) == ("ValidationException", "displayName is not a unique attribute of users: use userName or "
                          "emails.value.")
    with pytest.raises(ClientError) as exc:
        ids.get_user_id(IdentityStoreId=store, AlternateIdentifier=unique("userName", 42))
    assert error(exc) == ("ValidationException", "The value of the unique attribute userName must be a string.")
    # The identifier is a union: exactly one of its members.
    for identifier in ({}, {**unique("userName", "erin"), "ExternalId": {"Issuer": "i", "Id": "x"}}):
        status, _, body = server.raw("AWSIdentityStore.GetUserId", {"IdentityStoreId": store,
                                                                     "AlternateIdentifier": identifier})
        assert status == 400 and body["__type"] == "ValidationException"
        assert "at 'alternateIdentifier' failed to satisfy constraint: Member must have exactly one member set" \
            in body["message"]
    # Another account cannot find this account's users.
    other = server.client("identitystore", account=OTHER_ACCOUNT)
    with pytest.raises(ClientError) as exc:
        other.get_user_id(IdentityStoreId=store_of(other), AlternateIdentifier=unique("userName", "erin"))
    assert error(exc)[0] == "ResourceNotFoundException"


# -- update ---------------------------------------------------------------------------


def op(path: str, value: Any = None) -> dict[str, Any]:
    return {"AttributePath": path} if value is None else {"AttributePath": path, "AttributeValue": value}


def test_update_user_sets_and_removes_attributes(ids, store) -> None:
    user_id = new_user(ids, store, "frank", NickName="Frankie", Emails=[{"Value": "frank@example.com"}])
    result = ids.update_user(IdentityStoreId=store, UserId=user_id, Operations=[
        op("displayName", "Frank F."),
        op("name.givenName", "Franklin"),
        op("Name.MiddleName", "D"),
        op("nickName"),  # no value: removed
        op("emails", [{"value": "franklin@example.com", "type": "work", "primary": True}]),
        op("addresses", [{"streetAddress": "2 Side St", "postalCode": "12345", "country": "US"}]),
        op("phoneNumbers", [{"value": "555", "type": "mobile"}]),
        op("title", "CTO"),
        op("userName", "franklin"),
        op(f"{ENTERPRISE}.department", "Ops"),
        op(f"{ENTERPRISE}.manager.value", "m-1"),
    ])
    assert result == {**result, "IdentityStoreId": store, "UserId": user_id, "Revision": "2",
                      "UserArn": f"arn:aws:identitystore:::user/{user_id}"}
    user = ids.describe_user(IdentityStoreId=store, UserId=user_id, Extensions=[ENTERPRISE])
    assert user["DisplayName"] == "Frank F." and user["UserName"] == "franklin" and user["Title"] == "CTO"
    assert user["Name"] == {"GivenName": "Franklin", "FamilyName": "Tester", "MiddleName": "D"}
    assert "NickName" not in user
    assert user["Emails"] == [{"Value": "franklin@example.com", "Type": "work", "Primary": True}]
    assert user["Addresses"] == [{"StreetAddress": "2 Side St", "PostalCode": "12345", "Country": "US"}]
    assert user["PhoneNumbers"] == [{"Value": "555", "Type": "mobile"}]
    assert user["Extensions"] == {ENTERPRISE: {"department": "Ops", "manager": {"value": "m-1"}}}
    assert user["Revision"] == "2"
    # The old user name and email are free again; the new ones find the user.
    assert ids.get_user_id(IdentityStoreId=store, AlternateIdentifier=unique("userName", "franklin"))["UserId"] == user_id
    new_user(ids, store, "frank", Emails=[{"Value": "frank@example.com"}])

    ids.update_user(IdentityStoreId=store, UserId=user_id, Revision="2",
                    Operations=[op("emails"), op(ENTERPRISE), op("name.middleName")])
    user = ids.describe_user(IdentityStoreId=store, UserId=user_id, Extensions=[ENTERPRISE])
    assert "Emails" not in user and "Extensions" not in user and user["Revision"] == "3"
    assert user["Name"] == {"GivenName": "Franklin", "FamilyName": "Tester"}


def test_update_user_refuses_unknown_paths_and_bad_values(ids, store) -> None:
    user_id = new_user(ids, store, "grace")

    def refused(*operations: dict[str, Any]) -> tuple[str, str]:
        with pytest.raises(ClientError) as exc:
            ids.update_user(IdentityStoreId=store, UserId=user_id, Operations=list(operations))
        return error(exc)

    for path in ("userStatus", "userId", "createdAt", "shoeSize", "name.nickName", "emails.value",
                 f"{ENTERPRISE}.shoeSize", f"{ENTERPRISE}.manager.name"):
        assert refused(op(path, "x")) == (
            "ValidationException", f"Invalid attribute path: {path} is not an attribute that can be updated.")
    assert refused(op("aws:identitystore:other", {"a": "b"}))[0] == "ValidationException"
    assert refused(op("displayName", 42)) == (
        "ValidationException", "The attribute value at 'operations.1.member.attributeValue' must be a string.")
    where = "Value '***' at 'operations.2.member.attributeValue' failed to satisfy constraint"
    assert refused(op("title", "ok"), op("displayName", "")) == (
        "ValidationException", f"2 validation errors detected: {where}: Member must have length greater than or equal"
                               f" to 1; {where}: Member must satisfy regular expression pattern: {DISPLAY_NAME_PATTERN}")
    code, message = refused(op("emails", [{"value": "a@b.c"}, {"value": "d@e.f"}]))
    assert code == "ValidationException" and message.startswith("1 validation error detected: ")
    assert message.endswith(" at 'operations.1.member.attributeValue' failed to satisfy constraint: "
                            "Member must have length less than or equal to 1")
    assert refused(op("emails", [{"address": "a@b.c"}])) == (
        "ValidationException", "Unknown attribute 'address' at 'operations.1.member.attributeValue.1.member'.")
    assert refused(op("emails", [{"primary": "yes"}])) == (
        "ValidationException",
        "The attribute value at 'operations.1.member.attributeValue.1.member.primary' must be a boolean.")
    assert refused(op("displayName")) == ("ValidationException", "The attribute displayName is required.")
    assert refused(op("name")) == ("ValidationException", "The attributes name.givenName, name.familyName are required.")
    assert refused(op("userName", "Administrator"))[0] == "ValidationException"
    # Nothing was applied by the refused updates.
    user = ids.describe_user(IdentityStoreId=store, UserId=user_id)
    assert user["Revision"] == "1" and "Title" not in user


def test_update_user_conflicts(ids, store) -> None:
    user_id = new_user(ids, store, "heidi")
    new_user(ids, store, "ivan", Emails=[{"Value": "ivan@example.com"}])
    with pytest.raises(ClientError) as exc:
        ids.update_user(IdentityStoreId=store, UserId=user_id, Operations=[op("userName", "IVAN")])
    assert error(exc) == ("ConflictException", "Duplicate UserName")
    assert exc.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"
    with pytest.raises(ClientError) as exc:
        ids.update_user(IdentityStoreId=store, UserId=user_id, Operations=[op("emails", [{"value": "ivan@example.com"}])])
    assert error(exc) == ("ConflictException", "Duplicate Emails.Value")
    with pytest.raises(ClientError) as exc:
        ids.update_user(IdentityStoreId=store, UserId=user_id, Revision="7", Operations=[op("title", "X")])
    assert error(exc) == ("ConflictException", f"User {user_id} is at revision 1, not 7.")
    assert exc.value.response["Reason"] == "CONCURRENT_MODIFICATION"
    # Renaming to its own name (another case) is no conflict.
    assert ids.update_user(IdentityStoreId=store, UserId=user_id, Revision="1",
                           Operations=[op("userName", "HEIDI")])["Revision"] == "2"


def test_update_user_of_unknown_user(ids, store) -> None:
    with pytest.raises(ClientError) as exc:
        ids.update_user(IdentityStoreId=store, UserId=USER_ID, Operations=[op("title", "X")])
    assert error(exc) == ("ResourceNotFoundException", f"User {USER_ID} was not found.")
    assert (exc.value.response["ResourceType"], exc.value.response["ResourceId"]) == ("USER", USER_ID)


# -- delete ---------------------------------------------------------------------------


def test_delete_user(ids, store) -> None:
    user_id = new_user(ids, store, "judy", Emails=[{"Value": "judy@example.com"}])
    with pytest.raises(ClientError) as exc:
        ids.delete_user(IdentityStoreId=store, UserId=user_id, Revision="2")
    assert error(exc)[0] == "ConflictException" and exc.value.response["Reason"] == "CONCURRENT_MODIFICATION"
    assert ids.delete_user(IdentityStoreId=store, UserId=user_id, Revision="1")["ResponseMetadata"]["HTTPStatusCode"] == 200
    for call in (lambda: ids.describe_user(IdentityStoreId=store, UserId=user_id),
                 lambda: ids.delete_user(IdentityStoreId=store, UserId=user_id)):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("ResourceNotFoundException", f"User {user_id} was not found.")
    assert ids.list_users(IdentityStoreId=store)["Users"] == []
    new_user(ids, store, "judy", Emails=[{"Value": "judy@example.com"}])  # name and email are free again


# -- isolation and durability -----------------------------------------------------------


def test_users_are_isolated_by_account_and_region(ids, store, server) -> None:
    user_id = new_user(ids, store, "mallory")
    for client in (server.client("identitystore", account=OTHER_ACCOUNT), server.client("identitystore", region="eu-west-1")):
        own = store_of(client)
        assert client.list_users(IdentityStoreId=own)["Users"] == []
        for call in (lambda: client.describe_user(IdentityStoreId=own, UserId=user_id),
                     lambda: client.delete_user(IdentityStoreId=own, UserId=user_id),
                     lambda: client.describe_user(IdentityStoreId=store, UserId=user_id)):
            with pytest.raises(ClientError) as exc:
                call()
            assert error(exc)[0] == "ResourceNotFoundException"
    assert ids.describe_user(IdentityStoreId=store, UserId=user_id)["UserName"] == "mallory"


def test_users_survive_a_restart(tmp_path) -> None:
    with LocalServer(data_dir=tmp_path) as first:
        client = first.client("identitystore")
        store = store_of(client)
        user_id = new_user(client, store, "persistent", Emails=[{"Value": "p@example.com"}],
                           Extensions={ENTERPRISE: {"department": "Archive"}})
        before = client.describe_user(IdentityStoreId=store, UserId=user_id, Extensions=[ENTERPRISE])
    with LocalServer(data_dir=tmp_path) as second:
        client = second.client("identitystore")
        assert store_of(client) == store
        after = client.describe_user(IdentityStoreId=store, UserId=user_id, Extensions=[ENTERPRISE])
        assert {k: v for k, v in after.items() if k != "ResponseMetadata"} == \
               {k: v for k, v in before.items() if k != "ResponseMetadata"}
        with pytest.raises(ClientError) as exc:
            new_user(client, store, "PERSISTENT")
        assert error(exc)[0] == "ConflictException"
