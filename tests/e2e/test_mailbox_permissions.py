"""Mailbox permissions between users end to end: PutMailboxPermissions,
DeleteMailboxPermissions and ListMailboxPermissions, with every modelled error they can
give, and their cleanup when a user is deleted.

Groups and resources (as owners and grantees) are in test_directory_cross_kind.py.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import check_organization_errors, code_of, error_of
from tests.e2e.test_aliases import DOMAIN, UNKNOWN_ID, enabled
from tests.e2e.test_users import create


def grants(workmail, org_id: str, owner: str) -> list[dict]:  # noqa: ANN001
    return workmail.list_mailbox_permissions(OrganizationId=org_id, EntityId=owner)["Permissions"]


def put(workmail, org_id: str, owner: str, grantee: str, *values: str) -> None:  # noqa: ANN001
    workmail.put_mailbox_permissions(OrganizationId=org_id, EntityId=owner, GranteeId=grantee,
                                     PermissionValues=list(values))


def test_put_replaces_the_grantees_set(workmail, org_id) -> None:
    bob, alice = enabled(workmail, org_id, "bob"), enabled(workmail, org_id, "alice")
    assert grants(workmail, org_id, bob) == []
    # Stored de-duplicated, in the model's order; owner by ID, grantee by name.
    put(workmail, org_id, bob, "alice", "SEND_ON_BEHALF", "FULL_ACCESS", "SEND_ON_BEHALF")
    assert grants(workmail, org_id, bob) == [
        {"GranteeId": alice, "GranteeType": "USER", "PermissionValues": ["FULL_ACCESS", "SEND_ON_BEHALF"]}]
    # Owner by address, grantee by address: the whole set is replaced.
    put(workmail, org_id, f"bob@{DOMAIN}", f"ALICE@{DOMAIN}", "SEND_AS")
    assert grants(workmail, org_id, "bob") == [
        {"GranteeId": alice, "GranteeType": "USER", "PermissionValues": ["SEND_AS"]}]
    put(workmail, org_id, bob, alice, "FULL_ACCESS", "SEND_AS", "SEND_ON_BEHALF")
    assert grants(workmail, org_id, bob)[0]["PermissionValues"] == ["FULL_ACCESS", "SEND_AS", "SEND_ON_BEHALF"]
    # The grant is bob's mailbox's, not alice's.
    assert grants(workmail, org_id, alice) == []
    # Replacing the set by nothing leaves no grant.
    put(workmail, org_id, bob, alice)
    assert grants(workmail, org_id, bob) == []


def test_list_in_grant_order_and_by_pages(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    others = [enabled(workmail, org_id, name) for name in ("carol", "alice", "dave")]
    for grantee in others:
        put(workmail, org_id, bob, grantee, "SEND_AS")
    put(workmail, org_id, bob, others[0], "FULL_ACCESS")  # replacing keeps the grant's place
    pages = list(workmail.get_paginator("list_mailbox_permissions").paginate(
        OrganizationId=org_id, EntityId=bob, PaginationConfig={"PageSize": 2}))
    assert [[p["GranteeId"] for p in page["Permissions"]] for page in pages] == [others[:2], others[2:]]
    assert pages[0]["Permissions"][0]["PermissionValues"] == ["FULL_ACCESS"]
    with pytest.raises(ClientError) as exc:  # a token is bound to the mailbox it listed
        workmail.list_mailbox_permissions(OrganizationId=org_id, EntityId=others[1], NextToken=pages[0]["NextToken"])
    assert code_of(exc) == "InvalidParameterException"


def test_delete_mailbox_permissions(workmail, org_id) -> None:
    bob, alice, carol = (enabled(workmail, org_id, name) for name in ("bob", "alice", "carol"))
    put(workmail, org_id, bob, alice, "FULL_ACCESS", "SEND_AS")
    put(workmail, org_id, bob, carol, "SEND_ON_BEHALF")
    workmail.delete_mailbox_permissions(OrganizationId=org_id, EntityId="bob", GranteeId=f"alice@{DOMAIN}")
    assert [g["GranteeId"] for g in grants(workmail, org_id, bob)] == [carol]
    # No grant to delete: 200 (again, or between users who never had one).
    workmail.delete_mailbox_permissions(OrganizationId=org_id, EntityId=bob, GranteeId=alice)
    workmail.delete_mailbox_permissions(OrganizationId=org_id, EntityId=carol, GranteeId=bob)
    assert [g["GranteeId"] for g in grants(workmail, org_id, bob)] == [carol]


def test_disabled_users_keep_their_grants(workmail, org_id) -> None:
    bob, alice = enabled(workmail, org_id, "bob"), enabled(workmail, org_id, "alice")
    put(workmail, org_id, bob, alice, "FULL_ACCESS")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=alice)
    assert grants(workmail, org_id, bob)[0]["GranteeId"] == alice
    carol = create(workmail, org_id, "carol")  # never registered: granting is a directory change
    put(workmail, org_id, bob, carol, "SEND_AS")
    put(workmail, org_id, carol, bob, "SEND_AS")
    assert len(grants(workmail, org_id, bob)) == 2


def test_deleting_a_user_removes_its_grants_as_owner_and_as_grantee(workmail, org_id) -> None:
    bob, alice, carol = (enabled(workmail, org_id, name) for name in ("bob", "alice", "carol"))
    put(workmail, org_id, bob, alice, "FULL_ACCESS")
    put(workmail, org_id, bob, carol, "SEND_AS")
    put(workmail, org_id, alice, carol, "SEND_AS")
    put(workmail, org_id, carol, bob, "SEND_ON_BEHALF")
    for user in (alice, bob):  # alice as a grantee, then bob as an owner (and grantee)
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=user)
        workmail.delete_user(OrganizationId=org_id, UserId=user)
        if user == alice:
            assert [g["GranteeId"] for g in grants(workmail, org_id, bob)] == [carol]
    assert grants(workmail, org_id, bob) == []
    assert grants(workmail, org_id, alice) == []
    assert grants(workmail, org_id, carol) == []
    # A new user of the same name starts with nothing.
    new_bob = enabled(workmail, org_id, "bob")
    assert new_bob != bob and grants(workmail, org_id, "bob") == []


def test_put_and_delete_errors(workmail, server, org_id) -> None:
    bob, alice = enabled(workmail, org_id, "bob"), enabled(workmail, org_id, "alice")
    for owner, grantee, missing in ((UNKNOWN_ID, alice, UNKNOWN_ID), (bob, "nobody", "nobody"),
                                    (f"nobody@{DOMAIN}", alice, f"nobody@{DOMAIN}")):
        with pytest.raises(ClientError) as exc:
            put(workmail, org_id, owner, grantee, "SEND_AS")
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The entity {missing} was not found in organization {org_id}.")
        with pytest.raises(ClientError) as exc:
            workmail.delete_mailbox_permissions(OrganizationId=org_id, EntityId=owner, GranteeId=grantee)
        assert code_of(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, bob, f"bob@{DOMAIN}", "SEND_AS")
    assert error_of(exc) == ("InvalidParameterException",
                             f"The user {bob} cannot be granted permissions on its own mailbox.")
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, bob, alice, "READ")
    assert code_of(exc) == "InvalidParameterException"  # the model's enum
    status, _, body = server.raw("WorkMailService.PutMailboxPermissions",
                                 {"OrganizationId": org_id, "EntityId": bob, "GranteeId": alice})
    assert status == 400 and body["__type"] == "InvalidParameterException"  # PermissionValues is required

    carol = create(workmail, org_id, "carol")
    workmail.delete_user(OrganizationId=org_id, UserId=carol)
    for owner, grantee in ((carol, bob), (bob, carol)):
        with pytest.raises(ClientError) as exc:
            put(workmail, org_id, owner, grantee, "SEND_AS")
        assert error_of(exc) == ("EntityStateException", f"The user {carol} is DELETED.")
        with pytest.raises(ClientError) as exc:
            workmail.delete_mailbox_permissions(OrganizationId=org_id, EntityId=owner, GranteeId=grantee)
        assert error_of(exc) == ("EntityStateException", f"The user {carol} is DELETED.")
    assert grants(workmail, org_id, bob) == []


def test_list_errors(workmail, org_id) -> None:
    for unknown in (UNKNOWN_ID, "nobody", f"nobody@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.list_mailbox_permissions(OrganizationId=org_id, EntityId=unknown)
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The entity {unknown} was not found in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        workmail.list_mailbox_permissions(OrganizationId=org_id, EntityId="###")
    assert code_of(exc) == "InvalidParameterException"


CALLS = {
    "PutMailboxPermissions": lambda wm, org: wm.put_mailbox_permissions(
        OrganizationId=org, EntityId="bob", GranteeId="alice", PermissionValues=["SEND_AS"]),
    "DeleteMailboxPermissions": lambda wm, org: wm.delete_mailbox_permissions(
        OrganizationId=org, EntityId="bob", GranteeId="alice"),
    "ListMailboxPermissions": lambda wm, org: wm.list_mailbox_permissions(OrganizationId=org, EntityId="bob"),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation) -> None:
    check_organization_errors(workmail, server, org_id, CALLS[operation])
