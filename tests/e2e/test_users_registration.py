"""RegisterToWorkMail and DeregisterFromWorkMail for users end to end, and what enabled
users mean for DeleteOrganization."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of
from tests.e2e.test_users import create


def test_register_and_deregister(workmail, server, org_id) -> None:
    user_id = create(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="Bob.Smith@acme.awsapps.com")
    user = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert user["State"] == "ENABLED" and user["Email"] == "Bob.Smith@acme.awsapps.com"
    assert user["EnabledDate"] == user["MailboxProvisionedDate"]
    assert "DisabledDate" not in user and "MailboxDeprovisionedDate" not in user
    # The address names the user, case-insensitively.
    assert workmail.describe_user(OrganizationId=org_id, UserId="bob.smith@ACME.awsapps.com")["UserId"] == user_id

    server.control("POST", "/clock", {"advance_seconds": 3600})
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId="bob.smith@acme.awsapps.com")  # by address
    user = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert user["State"] == "DISABLED" and "Email" not in user
    assert user["DisabledDate"] == user["MailboxDeprovisionedDate"]
    assert (user["DisabledDate"] - user["EnabledDate"]).total_seconds() >= 3600
    # The address is released: it no longer names anyone, and someone else may take it.
    with pytest.raises(ClientError) as exc:
        workmail.describe_user(OrganizationId=org_id, UserId="bob.smith@acme.awsapps.com")
    assert error_of(exc)[0] == "EntityNotFoundException"
    alice = create(workmail, org_id, "alice")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="alice", Email="bob.smith@acme.awsapps.com")
    assert workmail.describe_user(OrganizationId=org_id, UserId="bob.smith@acme.awsapps.com")["UserId"] == alice

    # Registering again starts a new enabled period.
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="bob@acme.awsapps.com")
    again = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert again["State"] == "ENABLED" and again["Email"] == "bob@acme.awsapps.com"
    assert again["EnabledDate"] > user["EnabledDate"] and "DisabledDate" not in again


def test_register_on_every_mail_domain_of_the_organization(workmail) -> None:
    org_id = workmail.create_organization(Alias="acme", Domains=[{"DomainName": "Example.COM"}])["OrganizationId"]
    create(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="bob@example.com")
    create(workmail, org_id, "carol")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="carol", Email="carol@ACME.awsapps.com")


def test_register_errors(workmail, org_id) -> None:
    user_id = create(workmail, org_id, "bob")
    for address in ("bob@example.com", "bob@awsapps.com", "bob@other.acme.awsapps.com"):
        with pytest.raises(ClientError) as exc:
            workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email=address)
        domain = address.partition("@")[2]
        assert error_of(exc) == ("MailDomainNotFoundException",
                                 f"The mail domain {domain} was not found in organization {org_id}.")
    # Another organization's domain is not this one's.
    workmail.create_organization(Alias="other")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@other.awsapps.com")
    assert error_of(exc)[0] == "MailDomainNotFoundException"
    # The model's pattern is searched, not matched: a whole address is still required.
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bo b@acme.awsapps.com")
    assert error_of(exc) == ("InvalidParameterException",
                             "The email address bo b@acme.awsapps.com is not a valid email address.")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="not-an-address")
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId="nobody", Email="bob@acme.awsapps.com")
    assert error_of(exc) == ("EntityNotFoundException", f"The entity nobody was not found in organization {org_id}.")
    assert workmail.describe_user(OrganizationId=org_id, UserId=user_id)["State"] == "DISABLED"

    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@acme.awsapps.com")
    # The same address again changes nothing (the operation is idempotent); another is refused.
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="BOB@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="robert@acme.awsapps.com")
    assert error_of(exc) == ("EntityAlreadyRegisteredException",
                             f"The user {user_id} is already registered to WorkMail with bob@acme.awsapps.com.")
    # RegisterToWorkMail names entities by ID or name, not by address.
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob@acme.awsapps.com",
                                       Email="robert@acme.awsapps.com")
    assert error_of(exc)[0] == "EntityNotFoundException"

    alice = create(workmail, org_id, "alice")
    for taken in ("bob@acme.awsapps.com", "BOB@Acme.AwsApps.com"):
        with pytest.raises(ClientError) as exc:
            workmail.register_to_work_mail(OrganizationId=org_id, EntityId=alice, Email=taken)
        assert error_of(exc) == ("EmailAddressInUseException",
                                 f"The email address {taken} is already in use in organization {org_id}.")

    workmail.delete_user(OrganizationId=org_id, UserId=alice)
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=alice, Email="alice@acme.awsapps.com")
    assert error_of(exc) == ("EntityStateException", f"The user {alice} is DELETED and cannot be registered.")
    assert workmail.list_users(OrganizationId=org_id, Filters={"State": "ENABLED"})["Users"][0]["Id"] == user_id


def test_deregister_errors(workmail, org_id) -> None:
    user_id = create(workmail, org_id, "bob")
    with pytest.raises(ClientError) as exc:
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=user_id)
    assert error_of(exc) == ("EntityStateException", f"The user {user_id} is not ENABLED, state: DISABLED")
    workmail.delete_user(OrganizationId=org_id, UserId=user_id)
    with pytest.raises(ClientError) as exc:
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=user_id)
    assert error_of(exc) == ("EntityStateException", f"The user {user_id} is not ENABLED, state: DELETED")
    for unknown in ("nobody", "nobody@acme.awsapps.com", "12345678-1234-1234-1234-123456789012"):
        with pytest.raises(ClientError) as exc:
            workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=unknown)
        assert error_of(exc)[0] == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId="###")
    assert error_of(exc)[0] == "InvalidParameterException"  # no EntityIdentifier character at all


def test_delete_organization_with_enabled_users_needs_force(workmail, org_id) -> None:
    create(workmail, org_id, "bob")
    create(workmail, org_id, "carol")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="bob@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    assert error_of(exc) == ("InvalidParameterException",
                             f"Organization {org_id} has 1 enabled user(s); deregister them, "
                             "or set ForceDelete to delete the organization anyway.")
    with pytest.raises(ClientError) as exc:
        workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, ForceDelete=False)
    assert error_of(exc)[0] == "InvalidParameterException"
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Active"
    assert workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True,
                                        ForceDelete=True)["State"] == "Deleting"
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Deleted"


def test_delete_organization_with_only_disabled_users(workmail, org_id) -> None:
    create(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId="bob", Email="bob@acme.awsapps.com")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId="bob")
    assert workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)["State"] == "Deleting"
