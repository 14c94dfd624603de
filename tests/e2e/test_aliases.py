"""Aliases and primary addresses of users end to end: CreateAlias, DeleteAlias, ListAliases
and UpdatePrimaryEmailAddress, with every modelled error they can give.

Groups and resources, and unverified mail domains, are in test_directory_cross_kind.py.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import check_organization_errors, code_of, error_of
from tests.e2e.test_users import create

DOMAIN = "acme.awsapps.com"
UNKNOWN_ID = "12345678-1234-1234-1234-123456789012"


def enabled(workmail, org_id: str, name: str) -> str:  # noqa: ANN001
    """A new user, registered to WorkMail as <name>@acme.awsapps.com."""
    user_id = create(workmail, org_id, name)
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email=f"{name}@{DOMAIN}")
    return user_id


def aliases(workmail, org_id: str, entity_id: str) -> list[str]:  # noqa: ANN001
    return workmail.list_aliases(OrganizationId=org_id, EntityId=entity_id)["Aliases"]


def test_create_and_list_aliases(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    assert aliases(workmail, org_id, bob) == [f"bob@{DOMAIN}"]  # the primary is listed too
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"Robert@{DOMAIN}")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bobby@{DOMAIN}")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob.upper(), Alias=f"b@{DOMAIN}")  # IDs in any case
    # Primary first, then the aliases in the order given, written as given.
    assert aliases(workmail, org_id, bob) == [f"bob@{DOMAIN}", f"Robert@{DOMAIN}", f"bobby@{DOMAIN}", f"b@{DOMAIN}"]
    # Giving an address the user holds already changes nothing (the operation is idempotent).
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"ROBERT@{DOMAIN}")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"Bob@{DOMAIN}")
    assert len(aliases(workmail, org_id, bob)) == 4
    # An alias names the user (case-insensitively); the primary stays the Email.
    user = workmail.describe_user(OrganizationId=org_id, UserId=f"robert@{DOMAIN.upper()}")
    assert user["UserId"] == bob and user["Email"] == f"bob@{DOMAIN}"

    pages = list(workmail.get_paginator("list_aliases").paginate(
        OrganizationId=org_id, EntityId=bob, PaginationConfig={"PageSize": 3}))
    assert [p["Aliases"] for p in pages] == [[f"bob@{DOMAIN}", f"Robert@{DOMAIN}", f"bobby@{DOMAIN}"], [f"b@{DOMAIN}"]]
    assert "NextToken" not in pages[-1]


def test_aliases_on_every_mail_domain_of_the_organization(workmail) -> None:
    org_id = workmail.create_organization(Alias="acme", Domains=[{"DomainName": "example.com"}])["OrganizationId"]
    bob = enabled(workmail, org_id, "bob")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias="bob@Example.COM")
    assert aliases(workmail, org_id, bob) == [f"bob@{DOMAIN}", "bob@Example.COM"]


def test_create_alias_errors(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    alice = enabled(workmail, org_id, "alice")
    workmail.create_alias(OrganizationId=org_id, EntityId=alice, Alias=f"al@{DOMAIN}")
    # Another user's primary address or alias, in any case.
    for taken in (f"alice@{DOMAIN}", f"AL@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=taken)
        assert error_of(exc) == ("EmailAddressInUseException",
                                 f"The email address {taken} is already in use in organization {org_id}.")
    for address in ("bob@example.com", "bob@awsapps.com"):
        with pytest.raises(ClientError) as exc:
            workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=address)
        assert error_of(exc) == ("MailDomainNotFoundException",
                                 f"The mail domain {address.partition('@')[2]} was not found in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bo b@{DOMAIN}")
    assert error_of(exc) == ("InvalidParameterException", f"The email address bo b@{DOMAIN} is not a valid email address.")
    with pytest.raises(ClientError) as exc:
        workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias="not-an-address")
    assert code_of(exc) == "InvalidParameterException"  # the model's pattern
    # The entity is named by ID only: not by name (even one of 12 characters or more), not by address.
    enabled(workmail, org_id, "bob-the-user")
    for other in (UNKNOWN_ID, "bob-the-user", f"bob@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.create_alias(OrganizationId=org_id, EntityId=other, Alias=f"robert@{DOMAIN}")
        assert error_of(exc) == ("EntityNotFoundException", f"The entity {other} was not found in organization {org_id}.")
    assert aliases(workmail, org_id, bob) == [f"bob@{DOMAIN}"]


def test_create_alias_needs_an_enabled_user(workmail, org_id) -> None:
    carol = create(workmail, org_id, "carol")
    with pytest.raises(ClientError) as exc:
        workmail.create_alias(OrganizationId=org_id, EntityId=carol, Alias=f"carol@{DOMAIN}")
    assert error_of(exc) == ("EntityStateException",
                             f"The user {carol} must be ENABLED to have aliases; state: DISABLED")
    workmail.delete_user(OrganizationId=org_id, UserId=carol)
    with pytest.raises(ClientError) as exc:
        workmail.create_alias(OrganizationId=org_id, EntityId=carol, Alias=f"carol@{DOMAIN}")
    assert error_of(exc) == ("EntityStateException",
                             f"The user {carol} must be ENABLED to have aliases; state: DELETED")


def test_at_most_100_aliases(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    for i in range(100):
        workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bob{i}@{DOMAIN}")
    with pytest.raises(ClientError) as exc:
        workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bob100@{DOMAIN}")
    assert error_of(exc) == ("LimitExceededException",
                             f"The user {bob} already has 100 aliases, the most it may have.")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bob99@{DOMAIN}")  # held already: no error
    listed = [a for page in workmail.get_paginator("list_aliases").paginate(OrganizationId=org_id, EntityId=bob)
              for a in page["Aliases"]]
    assert listed == [f"bob@{DOMAIN}"] + [f"bob{i}@{DOMAIN}" for i in range(100)]
    # The old primary would become the 101st alias: refused. Swapping with an alias is not.
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email=f"robert@{DOMAIN}")
    assert code_of(exc) == "InvalidParameterException"
    assert "has 100 aliases" in error_of(exc)[1]
    workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email=f"bob7@{DOMAIN}")
    assert workmail.describe_user(OrganizationId=org_id, UserId=bob)["Email"] == f"bob7@{DOMAIN}"
    # Once one goes, there is room again.
    workmail.delete_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bob0@{DOMAIN}")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bob100@{DOMAIN}")


def test_delete_alias(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    alice = enabled(workmail, org_id, "alice")
    for alias in (f"robert@{DOMAIN}", f"bobby@{DOMAIN}"):
        workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=alias)
    workmail.create_alias(OrganizationId=org_id, EntityId=alice, Alias=f"al@{DOMAIN}")
    workmail.delete_alias(OrganizationId=org_id, EntityId=bob, Alias=f"ROBERT@{DOMAIN}")
    assert aliases(workmail, org_id, bob) == [f"bob@{DOMAIN}", f"bobby@{DOMAIN}"]
    # The address is free again: it names no one, and someone else may take it.
    with pytest.raises(ClientError) as exc:
        workmail.describe_user(OrganizationId=org_id, UserId=f"robert@{DOMAIN}")
    assert code_of(exc) == "EntityNotFoundException"
    workmail.create_alias(OrganizationId=org_id, EntityId=alice, Alias=f"robert@{DOMAIN}")
    # Absent aliases, and another user's, are not the user's to delete: 200, nothing changes.
    for absent in (f"robert@{DOMAIN}", f"nobody@{DOMAIN}", f"al@{DOMAIN}", "bob@example.com"):
        workmail.delete_alias(OrganizationId=org_id, EntityId=bob, Alias=absent)
    assert aliases(workmail, org_id, bob) == [f"bob@{DOMAIN}", f"bobby@{DOMAIN}"]
    assert aliases(workmail, org_id, alice) == [f"alice@{DOMAIN}", f"al@{DOMAIN}", f"robert@{DOMAIN}"]


def test_delete_alias_errors(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    with pytest.raises(ClientError) as exc:
        workmail.delete_alias(OrganizationId=org_id, EntityId=bob, Alias=f"Bob@{DOMAIN}")
    assert error_of(exc) == ("InvalidParameterException",
                             f"Bob@{DOMAIN} is the primary email address of user {bob}; make another address "
                             "primary (UpdatePrimaryEmailAddress) before deleting it.")
    enabled(workmail, org_id, "bob-the-user")
    for other in (UNKNOWN_ID, "bob-the-user"):
        with pytest.raises(ClientError) as exc:
            workmail.delete_alias(OrganizationId=org_id, EntityId=other, Alias=f"bob@{DOMAIN}")
        assert code_of(exc) == "EntityNotFoundException"
    # A disabled user holds no address: nothing to delete, no error. A deleted one is refused.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    workmail.delete_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bob@{DOMAIN}")
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    with pytest.raises(ClientError) as exc:
        workmail.delete_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bob@{DOMAIN}")
    assert error_of(exc) == ("EntityStateException", f"The user {bob} is DELETED.")


def test_list_aliases_errors(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"robert@{DOMAIN}")
    enabled(workmail, org_id, "bob-the-user")
    for other in (UNKNOWN_ID, "bob-the-user", f"bob@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.list_aliases(OrganizationId=org_id, EntityId=other)
        assert code_of(exc) == "EntityNotFoundException"
    page = workmail.list_aliases(OrganizationId=org_id, EntityId=bob, MaxResults=1)
    alice = enabled(workmail, org_id, "alice")
    with pytest.raises(ClientError) as exc:  # a token is bound to the entity it listed
        workmail.list_aliases(OrganizationId=org_id, EntityId=alice, NextToken=page["NextToken"])
    assert code_of(exc) == "InvalidParameterException"
    # Deregistering releases every address, primary and aliases: others may take them.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    assert aliases(workmail, org_id, bob) == []
    workmail.create_alias(OrganizationId=org_id, EntityId=alice, Alias=f"robert@{DOMAIN}")
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    with pytest.raises(ClientError) as exc:
        workmail.list_aliases(OrganizationId=org_id, EntityId=bob)
    assert error_of(exc) == ("EntityStateException", f"The user {bob} is DELETED.")


def test_update_primary_email_address(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"bobby@{DOMAIN}")
    # A new address: it becomes the primary and the old primary stays as an alias.
    workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email=f"Robert@{DOMAIN}")
    assert workmail.describe_user(OrganizationId=org_id, UserId=bob)["Email"] == f"Robert@{DOMAIN}"
    assert aliases(workmail, org_id, bob) == [f"Robert@{DOMAIN}", f"bob@{DOMAIN}", f"bobby@{DOMAIN}"]
    # One of its aliases (entity by name): the two swap.
    workmail.update_primary_email_address(OrganizationId=org_id, EntityId="BOB", Email=f"bobby@{DOMAIN}")
    assert aliases(workmail, org_id, bob) == [f"bobby@{DOMAIN}", f"bob@{DOMAIN}", f"Robert@{DOMAIN}"]
    # Entity by email (an alias of it), and the primary again, written in another case.
    workmail.update_primary_email_address(OrganizationId=org_id, EntityId=f"robert@{DOMAIN}", Email=f"BOBBY@{DOMAIN}")
    assert aliases(workmail, org_id, bob) == [f"BOBBY@{DOMAIN}", f"bob@{DOMAIN}", f"Robert@{DOMAIN}"]
    assert workmail.list_users(OrganizationId=org_id)["Users"][0]["Email"] == f"BOBBY@{DOMAIN}"
    assert workmail.describe_entity(OrganizationId=org_id, Email=f"bob@{DOMAIN}")["EntityId"] == bob


def test_update_primary_email_address_errors(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    enabled(workmail, org_id, "alice")
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email=f"Alice@{DOMAIN}")
    assert error_of(exc) == ("EmailAddressInUseException",
                             f"The email address Alice@{DOMAIN} is already in use in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email="bob@example.com")
    assert error_of(exc) == ("MailDomainNotFoundException",
                             f"The mail domain example.com was not found in organization {org_id}.")
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email=f"bo b@{DOMAIN}")
    assert code_of(exc) == "InvalidParameterException"
    for other in (UNKNOWN_ID, "nobody", f"nobody@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.update_primary_email_address(OrganizationId=org_id, EntityId=other, Email=f"x@{DOMAIN}")
        assert error_of(exc) == ("EntityNotFoundException", f"The entity {other} was not found in organization {org_id}.")
    assert workmail.describe_user(OrganizationId=org_id, UserId=bob)["Email"] == f"bob@{DOMAIN}"

    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email=f"bob@{DOMAIN}")
    assert error_of(exc) == ("EntityStateException",
                             f"The user {bob} must be ENABLED to change its primary email address; state: DISABLED")
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    with pytest.raises(ClientError) as exc:
        workmail.update_primary_email_address(OrganizationId=org_id, EntityId="bob", Email=f"bob@{DOMAIN}")
    assert error_of(exc)[0] == "EntityStateException"


def test_deleting_a_user_frees_its_aliases(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"robert@{DOMAIN}")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    alice = enabled(workmail, org_id, "alice")
    workmail.create_alias(OrganizationId=org_id, EntityId=alice, Alias=f"robert@{DOMAIN}")
    workmail.create_alias(OrganizationId=org_id, EntityId=alice, Alias=f"bob@{DOMAIN}")


CALLS = {
    "CreateAlias": lambda wm, org: wm.create_alias(OrganizationId=org, EntityId=UNKNOWN_ID, Alias=f"a@{DOMAIN}"),
    "DeleteAlias": lambda wm, org: wm.delete_alias(OrganizationId=org, EntityId=UNKNOWN_ID, Alias=f"a@{DOMAIN}"),
    "ListAliases": lambda wm, org: wm.list_aliases(OrganizationId=org, EntityId=UNKNOWN_ID),
    "UpdatePrimaryEmailAddress": lambda wm, org: wm.update_primary_email_address(
        OrganizationId=org, EntityId="bob", Email=f"a@{DOMAIN}"),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation) -> None:
    check_organization_errors(workmail, server, org_id, CALLS[operation])
