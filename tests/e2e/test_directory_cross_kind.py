"""Aliases, DescribeEntity, mailboxes and mailbox permissions across the three kinds of
entity (users, groups, resources), and addresses on a mail domain that is not verified.

These use CreateGroup, CreateResource, DeleteGroup, DeleteResource, RegisterMailDomain and
the mail-domain verification control endpoint, which other parts of the directory bring.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, error_of
from tests.e2e.test_aliases import DOMAIN, aliases, enabled
from tests.e2e.test_mailbox_permissions import grants, put


def group(workmail: Any, org_id: str, name: str, register: bool = True) -> str:
    group_id = workmail.create_group(OrganizationId=org_id, Name=name)["GroupId"]
    if register:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=group_id, Email=f"{name}@{DOMAIN}")
    return group_id


def resource(workmail: Any, org_id: str, name: str, register: bool = True) -> str:
    resource_id = workmail.create_resource(OrganizationId=org_id, Name=name, Type="ROOM")["ResourceId"]
    if register:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=resource_id, Email=f"{name}@{DOMAIN}")
    return resource_id


# -- aliases and primary addresses ------------------------------------------------------

@pytest.mark.parametrize("make", [group, resource], ids=["group", "resource"])
def test_aliases_of_groups_and_resources(workmail, org_id, make) -> None:
    entity = make(workmail, org_id, "team")
    workmail.create_alias(OrganizationId=org_id, EntityId=entity, Alias=f"crew@{DOMAIN}")
    workmail.create_alias(OrganizationId=org_id, EntityId=entity, Alias=f"squad@{DOMAIN}")
    assert aliases(workmail, org_id, entity) == [f"team@{DOMAIN}", f"crew@{DOMAIN}", f"squad@{DOMAIN}"]
    workmail.delete_alias(OrganizationId=org_id, EntityId=entity, Alias=f"crew@{DOMAIN}")
    workmail.delete_alias(OrganizationId=org_id, EntityId=entity, Alias=f"crew@{DOMAIN}")  # absent: 200
    # The primary by name, then by address: the old primary stays as an alias.
    workmail.update_primary_email_address(OrganizationId=org_id, EntityId="team", Email=f"squad@{DOMAIN}")
    workmail.update_primary_email_address(OrganizationId=org_id, EntityId=f"squad@{DOMAIN}", Email=f"all@{DOMAIN}")
    assert aliases(workmail, org_id, entity) == [f"all@{DOMAIN}", f"team@{DOMAIN}", f"squad@{DOMAIN}"]
    assert workmail.describe_entity(OrganizationId=org_id, Email=f"team@{DOMAIN}")["EntityId"] == entity


@pytest.mark.parametrize("make", [group, resource], ids=["group", "resource"])
def test_aliases_need_an_enabled_group_or_resource(workmail, org_id, make) -> None:
    entity = make(workmail, org_id, "team", register=False)
    with pytest.raises(ClientError) as exc:
        workmail.create_alias(OrganizationId=org_id, EntityId=entity, Alias=f"crew@{DOMAIN}")
    assert code_of(exc) == "EntityStateException"
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId=entity, Email=f"crew@{DOMAIN}")
    assert code_of(exc) == "EntityStateException"
    assert aliases(workmail, org_id, entity) == []


def test_one_address_space_across_kinds(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"robert@{DOMAIN}")
    team, room = group(workmail, org_id, "team"), resource(workmail, org_id, "room")
    workmail.create_alias(OrganizationId=org_id, EntityId=room, Alias=f"hall@{DOMAIN}")
    for entity, taken in ((team, f"robert@{DOMAIN}"), (team, f"hall@{DOMAIN}"), (room, f"team@{DOMAIN}"),
                          (bob, f"HALL@{DOMAIN}")):
        with pytest.raises(ClientError) as exc:
            workmail.create_alias(OrganizationId=org_id, EntityId=entity, Alias=taken)
        assert code_of(exc) == "EmailAddressInUseException"
        with pytest.raises(ClientError) as exc:
            workmail.update_primary_email_address(OrganizationId=org_id, EntityId=entity, Email=taken)
        assert code_of(exc) == "EmailAddressInUseException"


def test_deleting_a_group_or_resource_frees_its_aliases(workmail, org_id) -> None:
    team, room = group(workmail, org_id, "team"), resource(workmail, org_id, "room")
    workmail.create_alias(OrganizationId=org_id, EntityId=team, Alias=f"crew@{DOMAIN}")
    workmail.create_alias(OrganizationId=org_id, EntityId=room, Alias=f"hall@{DOMAIN}")
    for entity in (team, room):
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=entity)
    workmail.delete_group(OrganizationId=org_id, GroupId=team)
    workmail.delete_resource(OrganizationId=org_id, ResourceId=room)
    for entity in (team, room):
        with pytest.raises(ClientError) as exc:
            workmail.list_aliases(OrganizationId=org_id, EntityId=entity)
        assert code_of(exc) == "EntityStateException"
    bob = enabled(workmail, org_id, "bob")
    for address in (f"crew@{DOMAIN}", f"hall@{DOMAIN}", f"team@{DOMAIN}"):
        workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=address)


# -- DescribeEntity ------------------------------------------------------------------------

def test_describe_entity_of_each_kind(workmail, org_id) -> None:
    bob, team, room = enabled(workmail, org_id, "bob"), group(workmail, org_id, "Team"), resource(workmail, org_id, "Room")
    workmail.create_alias(OrganizationId=org_id, EntityId=room, Alias=f"hall@{DOMAIN}")
    for address, expected in ((f"bob@{DOMAIN}", {"EntityId": bob, "Name": "bob", "Type": "USER"}),
                              (f"team@{DOMAIN}", {"EntityId": team, "Name": "Team", "Type": "GROUP"}),
                              (f"Room@{DOMAIN}", {"EntityId": room, "Name": "Room", "Type": "RESOURCE"}),
                              (f"hall@{DOMAIN}", {"EntityId": room, "Name": "Room", "Type": "RESOURCE"})):
        answer = workmail.describe_entity(OrganizationId=org_id, Email=address)
        answer.pop("ResponseMetadata")
        assert answer == expected


# -- mailboxes -------------------------------------------------------------------------------

def test_groups_and_resources_have_no_mailbox_details(workmail, org_id) -> None:
    team, room = group(workmail, org_id, "team"), resource(workmail, org_id, "room")
    for entity in (team, room, "team", "room", f"team@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.get_mailbox_details(OrganizationId=org_id, UserId=entity)
        assert code_of(exc) == "EntityNotFoundException"
        with pytest.raises(ClientError) as exc:
            workmail.update_mailbox_quota(OrganizationId=org_id, UserId=entity, MailboxQuota=10)
        assert code_of(exc) == "EntityNotFoundException"


# -- mailbox permissions -----------------------------------------------------------------

def test_a_group_as_grantee(workmail, org_id) -> None:
    bob, team = enabled(workmail, org_id, "bob"), group(workmail, org_id, "team")
    put(workmail, org_id, bob, "team", "FULL_ACCESS", "SEND_AS")
    assert grants(workmail, org_id, bob) == [
        {"GranteeId": team, "GranteeType": "GROUP", "PermissionValues": ["FULL_ACCESS", "SEND_AS"]}]
    # A disabled group keeps its grants; deleting it removes them.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=team)
    assert len(grants(workmail, org_id, bob)) == 1
    workmail.delete_group(OrganizationId=org_id, GroupId=team)
    assert grants(workmail, org_id, bob) == []
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, bob, team, "SEND_AS")
    assert code_of(exc) == "EntityStateException"


def test_permissions_on_a_group(workmail, org_id) -> None:
    bob, team = enabled(workmail, org_id, "bob"), group(workmail, org_id, "team")
    put(workmail, org_id, team, bob, "SEND_ON_BEHALF", "SEND_AS")
    assert grants(workmail, org_id, team) == [
        {"GranteeId": bob, "GranteeType": "USER", "PermissionValues": ["SEND_AS", "SEND_ON_BEHALF"]}]
    for values in (["FULL_ACCESS"], ["SEND_AS", "FULL_ACCESS"]):
        with pytest.raises(ClientError) as exc:
            put(workmail, org_id, team, bob, *values)
        assert error_of(exc) == ("InvalidParameterException",
                                 f"FULL_ACCESS cannot be granted on group {team}: groups have no mailbox "
                                 "(SEND_AS and SEND_ON_BEHALF can be granted).")
    assert grants(workmail, org_id, team)[0]["PermissionValues"] == ["SEND_AS", "SEND_ON_BEHALF"]


def test_a_resource_cannot_be_a_grantee(workmail, org_id) -> None:
    bob, room = enabled(workmail, org_id, "bob"), resource(workmail, org_id, "room")
    for grantee in (room, "room", f"room@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            put(workmail, org_id, bob, grantee, "SEND_AS")
        assert error_of(exc) == ("InvalidParameterException",
                                 f"The resource {room} cannot be granted mailbox permissions; "
                                 "grantees are users and groups.")
    assert grants(workmail, org_id, bob) == []


def test_permissions_on_a_resource_mailbox(workmail, org_id) -> None:
    bob, team, room = enabled(workmail, org_id, "bob"), group(workmail, org_id, "team"), resource(workmail, org_id, "room")
    put(workmail, org_id, f"room@{DOMAIN}", bob, "FULL_ACCESS")
    put(workmail, org_id, room, team, "SEND_AS")
    assert grants(workmail, org_id, "room") == [
        {"GranteeId": bob, "GranteeType": "USER", "PermissionValues": ["FULL_ACCESS"]},
        {"GranteeId": team, "GranteeType": "GROUP", "PermissionValues": ["SEND_AS"]}]
    workmail.delete_mailbox_permissions(OrganizationId=org_id, EntityId=room, GranteeId=team)
    assert [g["GranteeId"] for g in grants(workmail, org_id, room)] == [bob]
    # Deleting the resource removes the grants on its mailbox.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=room)
    workmail.delete_resource(OrganizationId=org_id, ResourceId=room)
    assert grants(workmail, org_id, room) == []
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, room, bob, "FULL_ACCESS")
    assert code_of(exc) == "EntityStateException"


# -- a mail domain that is not verified --------------------------------------------------

def test_addresses_on_an_unverified_domain(workmail, server, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    status, _ = server.control("POST", "/mail-domains/verification", {
        "AccountId": "123456789012", "Region": "us-east-1", "OrganizationId": org_id, "DomainName": "example.com",
        "OwnershipVerificationStatus": "PENDING", "DkimVerificationStatus": "PENDING"})
    assert status == 200
    with pytest.raises(ClientError) as exc:
        workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias="bob@example.com")
    assert code_of(exc) == "MailDomainStateException"
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email="bob@example.com")
    assert code_of(exc) == "MailDomainStateException"
    server.control("POST", "/mail-domains/verification", {
        "AccountId": "123456789012", "Region": "us-east-1", "OrganizationId": org_id, "DomainName": "example.com",
        "OwnershipVerificationStatus": "VERIFIED"})
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias="bob@example.com")
    workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email="robert@example.com")
    assert aliases(workmail, org_id, bob) == ["robert@example.com", f"bob@{DOMAIN}", "bob@example.com"]
