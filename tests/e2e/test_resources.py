"""Resources end to end, with boto3 against the live server: CreateResource,
DescribeResource, UpdateResource, ListResources and DeleteResource, with every modelled
error they can give; registration (RegisterToWorkMail / DeregisterFromWorkMail) of a
resource; the namespace resources share with users; DeleteOrganization and enabled
resources.

Delegates, their clean-up and restarts are in test_resource_delegates.py.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, error_of, pattern
from tests.e2e.test_users import create as create_user

RESOURCE_ID = pattern("workmail", "ResourceId")
DEFAULT_BOOKING = {"AutoAcceptRequests": True, "AutoDeclineRecurringRequests": False,
                   "AutoDeclineConflictingRequests": True}
UNKNOWN_ORG = "m-" + "0" * 32
UNKNOWN_RESOURCE = "r-" + "0" * 32


def create(workmail, org_id: str, name: str, kind: str = "ROOM", **extra) -> str:  # noqa: ANN001
    return workmail.create_resource(OrganizationId=org_id, Name=name, Type=kind, **extra)["ResourceId"]


def describe(workmail, org_id: str, resource: str) -> dict:  # noqa: ANN001
    answer = workmail.describe_resource(OrganizationId=org_id, ResourceId=resource)
    answer.pop("ResponseMetadata")
    return answer


def deleted_org(workmail) -> str:  # noqa: ANN001
    org_id = workmail.create_organization(Alias="gone")["OrganizationId"]
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    return org_id


def test_new_organization_lists_no_resources(workmail, org_id) -> None:
    assert workmail.list_resources(OrganizationId=org_id)["Resources"] == []


def test_create_and_describe(workmail, org_id) -> None:
    room = create(workmail, org_id, "Boardroom", Description="Second floor, 12 seats")
    assert RESOURCE_ID.search(room) and len(room) == 34
    assert describe(workmail, org_id, room) == {
        "ResourceId": room, "Name": "Boardroom", "Type": "ROOM", "BookingOptions": DEFAULT_BOOKING,
        "State": "DISABLED", "Description": "Second floor, 12 seats", "HiddenFromGlobalAddressList": False,
    }
    projector = create(workmail, org_id, "projector-1", "EQUIPMENT", HiddenFromGlobalAddressList=True)
    assert RESOURCE_ID.search(projector) and projector != room
    answer = describe(workmail, org_id, projector)
    assert answer["Type"] == "EQUIPMENT" and answer["HiddenFromGlobalAddressList"] is True
    assert "Description" not in answer and "Email" not in answer and "EnabledDate" not in answer
    # Names resolve case-insensitively, IDs in any case.
    assert describe(workmail, org_id, "BOARDROOM")["ResourceId"] == room
    assert describe(workmail, org_id, room.upper())["ResourceId"] == room


def test_create_errors(workmail, org_id) -> None:
    with pytest.raises(ClientError) as exc:
        create(workmail, UNKNOWN_ORG, "room")
    assert error_of(exc) == ("OrganizationNotFoundException", f"The organization {UNKNOWN_ORG} was not found.")
    gone = deleted_org(workmail)
    with pytest.raises(ClientError) as exc:
        create(workmail, gone, "room")
    assert error_of(exc) == ("OrganizationStateException", f"Organization {gone} is not Active, state: Deleted")

    create(workmail, org_id, "room")
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "ROOM", "EQUIPMENT")
    assert error_of(exc) == ("NameAvailabilityException", f"The name ROOM is already in use in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "Administrator")
    assert error_of(exc) == ("ReservedNameException", "The name Administrator is reserved and cannot be used.")

    # Model constraints: the type enum, the name's length, the description's length.
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "desk", "DESK")
    assert error_of(exc) == ("InvalidParameterException", "1 validation error detected: Value 'DESK' at 'type' failed"
                             " to satisfy constraint: Member must satisfy enum value set: [ROOM, EQUIPMENT]")
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "r" * 21)
    assert code_of(exc) == "InvalidParameterException"
    secret = "confidential-" + "x" * 60
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "desk", Description=secret)
    code, message = error_of(exc)
    assert code == "InvalidParameterException" and "'description'" in message
    assert secret not in message  # a sensitive member's value is never echoed
    assert [r["Name"] for r in workmail.list_resources(OrganizationId=org_id)["Resources"]] == ["room"]


def test_a_name_with_a_domain_part_follows_the_address_rules(workmail) -> None:
    # ResourceName is at most 20 characters: the short alias keeps room@ab.awsapps.com within it.
    org_id = workmail.create_organization(Alias="ab")["OrganizationId"]
    room = create(workmail, org_id, "room@ab.awsapps.com")
    assert describe(workmail, org_id, "ROOM@ab.awsapps.com")["ResourceId"] == room  # a name, not an email
    assert "Email" not in describe(workmail, org_id, room)
    # On a domain the organization does not have: CreateResource models no mail-domain error.
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "desk@nowhere.io")
    assert error_of(exc) == ("InvalidParameterException", "The name desk@nowhere.io has a domain part that is not a"
                             f" verified mail domain of organization {org_id}.")
    # Another entity's address: the name is not available.
    create_user(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="desk@ab.awsapps.com")
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "Desk@ab.awsapps.com")
    assert error_of(exc) == ("NameAvailabilityException", "The name Desk@ab.awsapps.com is an email address already"
                             f" in use in organization {org_id}.")


def test_names_are_shared_with_users(workmail, org_id) -> None:
    create_user(workmail, org_id, "bob")
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "Bob")
    assert error_of(exc)[0] == "NameAvailabilityException"
    room = create(workmail, org_id, "atrium")
    with pytest.raises(ClientError) as exc:
        create_user(workmail, org_id, "ATRIUM")
    assert error_of(exc)[0] == "NameAvailabilityException"
    # A user's name does not name a resource, nor the reverse.
    with pytest.raises(ClientError) as exc:
        workmail.describe_resource(OrganizationId=org_id, ResourceId="bob")
    assert error_of(exc) == ("EntityNotFoundException", f"The resource bob was not found in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        workmail.describe_user(OrganizationId=org_id, UserId="atrium")
    assert error_of(exc)[0] == "EntityNotFoundException"
    # A deleted resource frees its name.
    workmail.delete_resource(OrganizationId=org_id, ResourceId=room)
    create_user(workmail, org_id, "atrium")


def test_register_and_deregister_a_resource(workmail, server, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="atrium", Email="Atrium@acme.awsapps.com")
    answer = describe(workmail, org_id, "atrium@ACME.awsapps.com")  # by address
    assert answer["ResourceId"] == room and answer["State"] == "ENABLED"
    assert answer["Email"] == "Atrium@acme.awsapps.com" and "EnabledDate" in answer and "DisabledDate" not in answer
    # The same address again is a no-op; another one is refused; a user cannot take the address.
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="hall@acme.awsapps.com")
    assert error_of(exc) == ("EntityAlreadyRegisteredException",
                             f"The resource {room} is already registered to WorkMail with Atrium@acme.awsapps.com.")
    create_user(workmail, org_id, "bob")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="atrium@acme.awsapps.com")
    assert error_of(exc)[0] == "EmailAddressInUseException"

    server.control("POST", "/clock", {"advance_seconds": 60})
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId="atrium@acme.awsapps.com")
    answer = describe(workmail, org_id, room)
    assert answer["State"] == "DISABLED" and "Email" not in answer
    assert (answer["DisabledDate"] - answer["EnabledDate"]).total_seconds() >= 60
    with pytest.raises(ClientError) as exc:
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=room)
    assert error_of(exc) == ("EntityStateException", f"The resource {room} is not ENABLED, state: DISABLED")
    # The released address is free for others.
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="atrium@acme.awsapps.com")

    workmail.delete_resource(OrganizationId=org_id, ResourceId=room)
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="hall@acme.awsapps.com")
    assert error_of(exc) == ("EntityStateException", f"The resource {room} is DELETED and cannot be registered.")


def test_update(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium", Description="Ground floor")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@acme.awsapps.com")
    workmail.update_resource(OrganizationId=org_id, ResourceId="atrium@acme.awsapps.com", Name="Hall",
                             Type="EQUIPMENT", Description="Moved", HiddenFromGlobalAddressList=True)
    answer = describe(workmail, org_id, "hall")
    assert answer["ResourceId"] == room and answer["Name"] == "Hall" and answer["Type"] == "EQUIPMENT"
    assert answer["Description"] == "Moved" and answer["HiddenFromGlobalAddressList"] is True
    assert answer["Email"] == "atrium@acme.awsapps.com"  # a rename keeps the address
    assert answer["BookingOptions"] == DEFAULT_BOOKING  # not supplied: unchanged
    # The old name is free; "" clears the description; a change of case is the same name.
    create_user(workmail, org_id, "atrium")
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name="HALL", Description="")
    answer = describe(workmail, org_id, room)
    assert answer["Name"] == "HALL" and "Description" not in answer
    # Nothing to change is fine, and so is a DISABLED resource.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=room)
    workmail.update_resource(OrganizationId=org_id, ResourceId=room)
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, HiddenFromGlobalAddressList=False)
    assert describe(workmail, org_id, room)["HiddenFromGlobalAddressList"] is False


def test_booking_options_are_replaced_as_a_whole(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    workmail.update_resource(OrganizationId=org_id, ResourceId=room,
                             BookingOptions={"AutoAcceptRequests": True})  # the other two: false
    assert describe(workmail, org_id, room)["BookingOptions"] == {
        "AutoAcceptRequests": True, "AutoDeclineRecurringRequests": False, "AutoDeclineConflictingRequests": False}
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, BookingOptions={
        "AutoAcceptRequests": True, "AutoDeclineRecurringRequests": True, "AutoDeclineConflictingRequests": True})
    assert describe(workmail, org_id, room)["BookingOptions"] == {
        "AutoAcceptRequests": True, "AutoDeclineRecurringRequests": True, "AutoDeclineConflictingRequests": True}

    # Without auto-accept a resource needs a delegate; a refused update changes nothing.
    for options in ({}, {"AutoDeclineRecurringRequests": True}, {"AutoAcceptRequests": False}):
        with pytest.raises(ClientError) as exc:
            workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name="hall", BookingOptions=options)
        assert error_of(exc) == ("InvalidConfigurationException",
                                 f"The resource {room} must either auto-accept requests or have at least one delegate"
                                 " to respond on its behalf; associate a delegate before turning AutoAcceptRequests"
                                 " off.")
    answer = describe(workmail, org_id, room)
    assert answer["Name"] == "atrium" and answer["BookingOptions"]["AutoAcceptRequests"] is True

    create_user(workmail, org_id, "bob")
    workmail.associate_delegate_to_resource(OrganizationId=org_id, ResourceId=room, EntityId="bob")
    workmail.update_resource(OrganizationId=org_id, ResourceId=room,
                             BookingOptions={"AutoDeclineConflictingRequests": True})
    assert describe(workmail, org_id, room)["BookingOptions"] == {
        "AutoAcceptRequests": False, "AutoDeclineRecurringRequests": False, "AutoDeclineConflictingRequests": True}
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, BookingOptions={})
    assert set(describe(workmail, org_id, room)["BookingOptions"].values()) == {False}


def test_update_errors(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=UNKNOWN_ORG, ResourceId=room, Name="hall")
    assert error_of(exc)[0] == "OrganizationNotFoundException"
    gone = deleted_org(workmail)
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=gone, ResourceId=room, Name="hall")
    assert error_of(exc)[0] == "OrganizationStateException"
    for unknown in ("nowhere", UNKNOWN_RESOURCE, "nowhere@acme.awsapps.com"):
        with pytest.raises(ClientError) as exc:
            workmail.update_resource(OrganizationId=org_id, ResourceId=unknown, Name="hall")
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The resource {unknown} was not found in organization {org_id}.")

    create_user(workmail, org_id, "bob")
    create(workmail, org_id, "hall")
    for taken in ("BOB", "Hall"):
        with pytest.raises(ClientError) as exc:
            workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name=taken)
        assert error_of(exc) == ("NameAvailabilityException",
                                 f"The name {taken} is already in use in organization {org_id}.")
    # UpdateResource models no ReservedNameException: a reserved name is a bad parameter there.
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name="postmaster")
    assert error_of(exc) == ("InvalidParameterException", "The name postmaster is reserved and cannot be used.")
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=org_id, ResourceId=room, Type="DESK")
    assert error_of(exc)[0] == "InvalidParameterException"
    secret = "confidential-" + "y" * 60
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=org_id, ResourceId=room, Description=secret)
    assert error_of(exc)[0] == "InvalidParameterException" and secret not in error_of(exc)[1]

    workmail.delete_resource(OrganizationId=org_id, ResourceId=room)
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=org_id, ResourceId=room, Description="x")
    assert error_of(exc) == ("EntityStateException", f"The resource {room} is DELETED.")


def test_rename_to_a_name_with_a_domain_part(workmail) -> None:
    org_id = workmail.create_organization(Alias="ab", Domains=[{"DomainName": "ex.io"}])["OrganizationId"]
    room = create(workmail, org_id, "room")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="room@ab.awsapps.com")
    create_user(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="bob@ex.io")

    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name="room@nowhere.io")
    assert error_of(exc) == ("MailDomainNotFoundException",
                             f"The mail domain nowhere.io was not found in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name="BOB@ex.io")
    assert error_of(exc) == ("EmailAddressInUseException",
                             f"The email address BOB@ex.io is already in use in organization {org_id}.")
    # Its own address, or a free one on a verified domain of the organization, is fine.
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name="Room@ab.awsapps.com")
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, Name="room@ex.io")
    answer = describe(workmail, org_id, "room@ex.io")
    assert answer["Name"] == "room@ex.io" and answer["Email"] == "room@ab.awsapps.com"


def test_list_resources(workmail, org_id) -> None:
    rooms = [create(workmail, org_id, f"room-{i}", Description=f"Room {i}") for i in range(3)]
    gear = create(workmail, org_id, "Projector", "EQUIPMENT")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=rooms[1], Email="big@acme.awsapps.com")
    workmail.delete_resource(OrganizationId=org_id, ResourceId=rooms[2])
    listed = workmail.list_resources(OrganizationId=org_id)["Resources"]
    assert [r["Id"] for r in listed] == [*rooms, gear]  # creation order, DELETED ones included
    enabled = listed[1]
    assert set(enabled) == {"Id", "Email", "Name", "Type", "State", "EnabledDate", "Description"}
    assert (enabled["Email"], enabled["Name"], enabled["Type"], enabled["State"], enabled["Description"]) == (
        "big@acme.awsapps.com", "room-1", "ROOM", "ENABLED", "Room 1")
    assert listed[2]["State"] == "DELETED" and listed[3] == {"Id": gear, "Name": "Projector", "Type": "EQUIPMENT",
                                                             "State": "DISABLED"}

    def ids(**filters) -> list[str]:
        return [r["Id"] for r in workmail.list_resources(OrganizationId=org_id, Filters=filters)["Resources"]]

    assert ids(NamePrefix="ROOM-") == rooms and ids(NamePrefix="proj") == [gear] and ids(NamePrefix="x") == []
    assert ids(PrimaryEmailPrefix="BIG@") == [rooms[1]] and ids(PrimaryEmailPrefix="room") == []
    assert ids(State="DISABLED") == [rooms[0], gear] and ids(State="DELETED") == [rooms[2]]
    with pytest.raises(ClientError) as exc:
        ids(NamePrefix="room", State="ENABLED")
    assert error_of(exc) == ("InvalidParameterException",
                             "You can only use one filter per request; got 2: NamePrefix, State.")

    # Pages: by hand and through botocore's paginator.
    first = workmail.list_resources(OrganizationId=org_id, MaxResults=3)
    assert [r["Id"] for r in first["Resources"]] == rooms
    second = workmail.list_resources(OrganizationId=org_id, MaxResults=3, NextToken=first["NextToken"])
    assert [r["Id"] for r in second["Resources"]] == [gear] and "NextToken" not in second
    pages = workmail.get_paginator("list_resources").paginate(OrganizationId=org_id, Filters={"NamePrefix": "room"},
                                                              PaginationConfig={"PageSize": 1})
    assert [r["Id"] for page in pages for r in page["Resources"]] == rooms
    # A token belongs to its query: another filter, or a forged token, is refused.
    filtered = workmail.list_resources(OrganizationId=org_id, MaxResults=1, Filters={"NamePrefix": "room"})
    for token, filters in ((filtered["NextToken"], {"State": "DISABLED"}), ("forged", {})):
        with pytest.raises(ClientError) as exc:
            workmail.list_resources(OrganizationId=org_id, NextToken=token, Filters=filters)
        assert code_of(exc) == "InvalidParameterException"

    with pytest.raises(ClientError) as exc:
        workmail.list_resources(OrganizationId=UNKNOWN_ORG)
    assert error_of(exc)[0] == "OrganizationNotFoundException"
    gone = deleted_org(workmail)
    with pytest.raises(ClientError) as exc:
        workmail.list_resources(OrganizationId=gone)
    assert error_of(exc)[0] == "OrganizationStateException"
    # Another organization's resources are not listed.
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    assert workmail.list_resources(OrganizationId=other)["Resources"] == []


def test_delete(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.delete_resource(OrganizationId=org_id, ResourceId="atrium")
    assert error_of(exc) == ("EntityStateException",
                             f"The resource {room} is ENABLED: deregister it from WorkMail before deleting it.")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=room)
    workmail.delete_resource(OrganizationId=org_id, ResourceId="ATRIUM")  # by name
    answer = describe(workmail, org_id, room)
    assert answer["State"] == "DELETED" and answer["Name"] == "atrium" and "EnabledDate" in answer
    # Deleting again, or something that never was, succeeds; a deleted resource is still found by name.
    for gone in (room, "atrium", UNKNOWN_RESOURCE, "nowhere"):
        workmail.delete_resource(OrganizationId=org_id, ResourceId=gone)
    assert describe(workmail, org_id, "atrium")["ResourceId"] == room
    # The name and the address are free again.
    again = create(workmail, org_id, "atrium")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=again, Email="atrium@acme.awsapps.com")
    assert describe(workmail, org_id, "atrium")["ResourceId"] == again

    with pytest.raises(ClientError) as exc:
        workmail.delete_resource(OrganizationId=UNKNOWN_ORG, ResourceId=room)
    assert error_of(exc)[0] == "OrganizationNotFoundException"
    gone_org = deleted_org(workmail)
    with pytest.raises(ClientError) as exc:
        workmail.delete_resource(OrganizationId=gone_org, ResourceId=room)
    assert error_of(exc)[0] == "OrganizationStateException"
    with pytest.raises(ClientError) as exc:
        workmail.delete_resource(OrganizationId=org_id, ResourceId="###")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_describe_errors(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    with pytest.raises(ClientError) as exc:
        workmail.describe_resource(OrganizationId=UNKNOWN_ORG, ResourceId=room)
    assert error_of(exc)[0] == "OrganizationNotFoundException"
    gone = deleted_org(workmail)
    with pytest.raises(ClientError) as exc:
        workmail.describe_resource(OrganizationId=gone, ResourceId=room)
    assert error_of(exc)[0] == "OrganizationStateException"
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    with pytest.raises(ClientError) as exc:  # another organization's resource
        workmail.describe_resource(OrganizationId=other, ResourceId=room)
    assert error_of(exc) == ("EntityNotFoundException", f"The resource {room} was not found in organization {other}.")
    with pytest.raises(ClientError) as exc:
        workmail.describe_resource(OrganizationId=org_id, ResourceId="#?#")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_delete_organization_with_an_enabled_resource_needs_force(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    assert error_of(exc) == ("InvalidParameterException",
                             f"Organization {org_id} has 1 enabled resource(s); deregister them, "
                             "or set ForceDelete to delete the organization anyway.")
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Active"
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=room)
    assert workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)["State"] == "Deleting"


def test_delete_organization_with_force_deletes_resources(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@acme.awsapps.com")
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, ForceDelete=True)
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Deleted"
