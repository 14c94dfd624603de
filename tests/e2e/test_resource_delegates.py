"""Delegates of resources end to end: AssociateDelegateToResource,
DisassociateDelegateFromResource and ListResourceDelegates, with every modelled error they
can give; delegations going when either side is deleted; resources and delegates
surviving a restart."""

from __future__ import annotations

import sqlite3

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, error_of
from tests.e2e.test_resources import UNKNOWN_ORG, UNKNOWN_RESOURCE, create, deleted_org, describe
from tests.e2e.test_users import create as create_user
from workmail_local.testing import LocalServer


def delegates(workmail, org_id: str, resource: str, **paging) -> list[dict]:  # noqa: ANN001
    return workmail.list_resource_delegates(OrganizationId=org_id, ResourceId=resource, **paging)["Delegates"]


def associate(workmail, org_id: str, resource: str, entity: str) -> None:  # noqa: ANN001
    workmail.associate_delegate_to_resource(OrganizationId=org_id, ResourceId=resource, EntityId=entity)


def disassociate(workmail, org_id: str, resource: str, entity: str) -> None:  # noqa: ANN001
    workmail.disassociate_delegate_from_resource(OrganizationId=org_id, ResourceId=resource, EntityId=entity)


def create_group_or_skip(workmail, org_id: str, name: str) -> str:  # noqa: ANN001
    """A new group; skips the test while CreateGroup is not implemented yet."""
    try:
        return workmail.create_group(OrganizationId=org_id, Name=name)["GroupId"]
    except ClientError as exc:
        if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 501:
            pytest.skip("CreateGroup is not implemented yet")
        raise


def test_associate_list_and_disassociate(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@acme.awsapps.com")
    bob, carol, dave = (create_user(workmail, org_id, name) for name in ("bob", "carol", "dave"))
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=carol, Email="carol@acme.awsapps.com")
    assert delegates(workmail, org_id, room) == []
    # Both sides by ID, name or email; delegates may be DISABLED users.
    associate(workmail, org_id, room, bob)
    associate(workmail, org_id, "atrium", "Carol@acme.awsapps.com")
    associate(workmail, org_id, "atrium@acme.awsapps.com", "DAVE")
    expected = [{"Id": bob, "Type": "USER"}, {"Id": carol, "Type": "USER"}, {"Id": dave, "Type": "USER"}]
    assert delegates(workmail, org_id, room) == expected
    assert delegates(workmail, org_id, "ATRIUM@acme.awsapps.com") == expected
    # Associating again changes nothing.
    associate(workmail, org_id, room, "bob")
    assert delegates(workmail, org_id, "atrium") == expected

    disassociate(workmail, org_id, "atrium", "carol@acme.awsapps.com")
    assert delegates(workmail, org_id, room) == [expected[0], expected[2]]
    # Disassociating one that is not a delegate (any more) succeeds.
    disassociate(workmail, org_id, room, carol)
    assert delegates(workmail, org_id, room) == [expected[0], expected[2]]
    # Each resource has its own delegates.
    other = create(workmail, org_id, "hall")
    assert delegates(workmail, org_id, other) == []


def test_groups_are_delegates_too(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    group = create_group_or_skip(workmail, org_id, "facilities")
    associate(workmail, org_id, room, "facilities")
    assert delegates(workmail, org_id, room) == [{"Id": group, "Type": "GROUP"}]
    workmail.delete_group(OrganizationId=org_id, GroupId=group)
    assert delegates(workmail, org_id, room) == []


def test_delegates_pages(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    users = [create_user(workmail, org_id, f"user{i}") for i in range(5)]
    for user in users:
        associate(workmail, org_id, room, user)
    first = workmail.list_resource_delegates(OrganizationId=org_id, ResourceId=room, MaxResults=2)
    assert [d["Id"] for d in first["Delegates"]] == users[:2]
    second = workmail.list_resource_delegates(OrganizationId=org_id, ResourceId=room, MaxResults=2,
                                              NextToken=first["NextToken"])
    assert [d["Id"] for d in second["Delegates"]] == users[2:4]
    pages = workmail.get_paginator("list_resource_delegates").paginate(
        OrganizationId=org_id, ResourceId="atrium", PaginationConfig={"PageSize": 2})
    assert [d["Id"] for page in pages for d in page["Delegates"]] == users
    # A page token belongs to its resource.
    other = create(workmail, org_id, "hall")
    for token in (first["NextToken"], "forged"):
        with pytest.raises(ClientError) as exc:
            workmail.list_resource_delegates(OrganizationId=org_id, ResourceId=other, NextToken=token)
        assert code_of(exc) == "InvalidParameterException"


def test_errors(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    hall = create(workmail, org_id, "hall")
    create_user(workmail, org_id, "bob")
    operations = {
        "associate": lambda org, resource, entity: associate(workmail, org, resource, entity),
        "disassociate": lambda org, resource, entity: disassociate(workmail, org, resource, entity),
        "list": lambda org, resource, entity: delegates(workmail, org, resource),
    }
    gone = deleted_org(workmail)
    for name, call in operations.items():
        with pytest.raises(ClientError) as exc:
            call(UNKNOWN_ORG, room, "bob")
        assert error_of(exc)[0] == "OrganizationNotFoundException", name
        with pytest.raises(ClientError) as exc:
            call(gone, room, "bob")
        assert error_of(exc) == ("OrganizationStateException", f"Organization {gone} is not Active, state: Deleted")
        for unknown in (UNKNOWN_RESOURCE, "nowhere", "bob"):  # a user's name does not name a resource
            with pytest.raises(ClientError) as exc:
                call(org_id, unknown, "bob")
            assert error_of(exc) == ("EntityNotFoundException",
                                     f"The resource {unknown} was not found in organization {org_id}."), name
        with pytest.raises(ClientError) as exc:
            call(org_id, "#?#", "bob")
        assert code_of(exc) == "InvalidParameterException", name

    for call in (associate, disassociate):
        with pytest.raises(ClientError) as exc:
            call(workmail, org_id, room, "nobody@acme.awsapps.com")
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The entity nobody@acme.awsapps.com was not found in organization {org_id}.")
        # A resource cannot be a delegate.
        with pytest.raises(ClientError) as exc:
            call(workmail, org_id, room, "hall")
        assert error_of(exc) == ("InvalidParameterException",
                                 f"The resource {hall} cannot be a delegate: only users and groups can.")

    # A DELETED delegate or resource is refused.
    associate(workmail, org_id, room, "bob")
    carol = create_user(workmail, org_id, "carol")
    workmail.delete_user(OrganizationId=org_id, UserId=carol)
    for call in (associate, disassociate):
        with pytest.raises(ClientError) as exc:
            call(workmail, org_id, room, carol)
        assert error_of(exc) == ("EntityStateException", f"The user {carol} is DELETED.")
    workmail.delete_resource(OrganizationId=org_id, ResourceId=room)
    for name, call in operations.items():
        with pytest.raises(ClientError) as exc:
            call(org_id, room, "bob")
        assert error_of(exc) == ("EntityStateException", f"The resource {room} is DELETED."), name


def test_disassociating_the_last_delegate_is_allowed_without_auto_accept(workmail, org_id) -> None:
    room = create(workmail, org_id, "atrium")
    create_user(workmail, org_id, "bob")
    associate(workmail, org_id, room, "bob")
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, BookingOptions={})
    disassociate(workmail, org_id, room, "bob")
    assert delegates(workmail, org_id, room) == []
    assert describe(workmail, org_id, room)["BookingOptions"]["AutoAcceptRequests"] is False
    # The next BookingOptions update must give it a way to answer again.
    with pytest.raises(ClientError) as exc:
        workmail.update_resource(OrganizationId=org_id, ResourceId=room, BookingOptions={})
    assert code_of(exc) == "InvalidConfigurationException"
    workmail.update_resource(OrganizationId=org_id, ResourceId=room, Description="no booking change")


def test_deleting_a_delegate_removes_its_delegations(workmail, org_id) -> None:
    rooms = [create(workmail, org_id, name) for name in ("atrium", "hall")]
    bob, carol = create_user(workmail, org_id, "bob"), create_user(workmail, org_id, "carol")
    for room in rooms:
        associate(workmail, org_id, room, bob)
        associate(workmail, org_id, room, carol)
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    for room in rooms:
        assert delegates(workmail, org_id, room) == [{"Id": carol, "Type": "USER"}]
    # A new user of the same name is not a delegate.
    create_user(workmail, org_id, "bob")
    assert [d["Id"] for d in delegates(workmail, org_id, rooms[0])] == [carol]


def test_restart_keeps_resources_and_delegates_and_delete_removes_delegations(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="durable")["OrganizationId"]
        room = create(wm, org_id, "atrium", Description="Ground floor", HiddenFromGlobalAddressList=True)
        gear = create(wm, org_id, "projector", "EQUIPMENT")
        wm.register_to_work_mail(OrganizationId=org_id, EntityId=room, Email="atrium@durable.awsapps.com")
        users = [create_user(wm, org_id, name) for name in ("bob", "carol", "dave")]
        for user in users:
            associate(wm, org_id, room, user)
        associate(wm, org_id, gear, users[0])
        wm.update_resource(OrganizationId=org_id, ResourceId=room, BookingOptions={"AutoDeclineRecurringRequests": True})
        before = [describe(wm, org_id, r) for r in (room, gear)]
        page = wm.list_resource_delegates(OrganizationId=org_id, ResourceId=room, MaxResults=2)
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        assert [describe(wm, org_id, r) for r in (room, gear)] == before
        assert [r["Id"] for r in wm.list_resources(OrganizationId=org_id)["Resources"]] == [room, gear]
        rest = wm.list_resource_delegates(OrganizationId=org_id, ResourceId=room, NextToken=page["NextToken"])
        assert [d["Id"] for d in page["Delegates"] + rest["Delegates"]] == users
        assert delegates(wm, org_id, gear) == [{"Id": users[0], "Type": "USER"}]
        # Deleting a resource removes its delegations (as the database shows: no API lists them any more).
        wm.delete_resource(OrganizationId=org_id, ResourceId=gear)
    with sqlite3.connect(data / "workmail-local.sqlite3") as db:
        rows = db.execute("SELECT resource_id, delegate_id FROM resource_delegates").fetchall()
    assert sorted(rows) == sorted((room, user) for user in users)
