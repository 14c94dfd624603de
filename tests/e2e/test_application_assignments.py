"""sso-admin application assignments on WorkMail's IdC application: create, describe,
delete, list (by application and by principal), for users and groups, with their errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of
from tests.e2e.world import World, build_world
from workmail_local.services.identitycenter.access import (
    NO_IDENTITY_PROVIDER_CONFIGURATION,
    OTHER_IDENTITY_CENTER_INSTANCE,
    Access,
    mailbox_access,
)

UNKNOWN_PRINCIPAL = "0123456789-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def assignments(world: World, **extra: Any) -> list[tuple[str, str]]:
    pages = world.sso.get_paginator("list_application_assignments").paginate(ApplicationArn=world.app_arn, **extra)
    return [(a["PrincipalType"], a["PrincipalId"]) for page in pages for a in page["ApplicationAssignments"]]


@pytest.fixture
def world(server) -> World:
    return build_world(server, configure=False, assign=False)


def test_assign_users_and_groups_and_list_them(world) -> None:
    group = world.identitystore.create_group(IdentityStoreId=world.store_id, DisplayName="mail")["GroupId"]
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=world.idc_user_id,
                                            PrincipalType="USER")
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=group, PrincipalType="GROUP")
    # Assigning again is a no-op.
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=group, PrincipalType="GROUP")
    assert assignments(world) == [("USER", world.idc_user_id), ("GROUP", group)]
    assert assignments(world, PaginationConfig={"PageSize": 1}) == [("USER", world.idc_user_id), ("GROUP", group)]
    described = world.sso.describe_application_assignment(ApplicationArn=world.app_arn, PrincipalId=group,
                                                         PrincipalType="GROUP")
    assert (described["ApplicationArn"], described["PrincipalId"], described["PrincipalType"]) == (
        world.app_arn, group, "GROUP")
    for_user = world.sso.list_application_assignments_for_principal(
        InstanceArn=world.instance_arn, PrincipalId=world.idc_user_id, PrincipalType="USER")
    assert [a["ApplicationArn"] for a in for_user["ApplicationAssignments"]] == [world.app_arn]

    world.sso.delete_application_assignment(ApplicationArn=world.app_arn, PrincipalId=group, PrincipalType="GROUP")
    assert assignments(world) == [("USER", world.idc_user_id)]


def test_unknown_application_principal_or_assignment_is_resource_not_found(world, server) -> None:
    missing_app = world.app_arn[:-16] + "0" * 16
    calls = [
        lambda: world.sso.create_application_assignment(ApplicationArn=missing_app, PrincipalId=world.idc_user_id,
                                                        PrincipalType="USER"),
        lambda: world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=UNKNOWN_PRINCIPAL,
                                                        PrincipalType="USER"),
        lambda: world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=UNKNOWN_PRINCIPAL,
                                                        PrincipalType="GROUP"),
        lambda: world.sso.delete_application_assignment(ApplicationArn=world.app_arn, PrincipalId=world.idc_user_id,
                                                        PrincipalType="USER"),
        lambda: world.sso.describe_application_assignment(ApplicationArn=world.app_arn,
                                                          PrincipalId=world.idc_user_id, PrincipalType="USER"),
        lambda: world.sso.list_application_assignments(ApplicationArn=missing_app),
        lambda: world.sso.list_application_assignments_for_principal(
            InstanceArn="arn:aws:sso:::instance/ssoins-0000000000000000", PrincipalId=world.idc_user_id,
            PrincipalType="USER"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert code_of(exc) == "ResourceNotFoundException"
    # Another account or region does not see the application.
    for other in (server.client("sso-admin", account="210987654321"), server.client("sso-admin", region="eu-west-1")):
        with pytest.raises(ClientError) as exc:
            other.list_application_assignments(ApplicationArn=world.app_arn)
        assert code_of(exc) == "ResourceNotFoundException"


def test_bad_input_is_the_models_validation_exception(world, server) -> None:
    status, _, body = server.raw("SWBExternalService.CreateApplicationAssignment",
                                 {"ApplicationArn": world.app_arn, "PrincipalId": "not-an-id",
                                  "PrincipalType": "ROBOT"})
    assert status == 400 and body["__type"] == "ValidationException"
    assert "principalType" in body["message"] and "Member must satisfy enum value set: [USER, GROUP]" in body["message"]
    status, _, body = server.raw("SWBExternalService.ListApplicationAssignments", {})
    assert body["__type"] == "ValidationException" and "Value null at 'applicationArn'" in body["message"]
    with pytest.raises(ClientError) as exc:
        world.sso.list_application_assignments(ApplicationArn=world.app_arn, NextToken="forged")
    assert code_of(exc) == "ValidationException"


def test_deleting_principals_and_the_application_removes_their_assignments(world) -> None:
    group = world.identitystore.create_group(IdentityStoreId=world.store_id, DisplayName="mail")["GroupId"]
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=world.idc_user_id,
                                            PrincipalType="USER")
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=group, PrincipalType="GROUP")
    world.identitystore.delete_group(IdentityStoreId=world.store_id, GroupId=group)
    assert assignments(world) == [("USER", world.idc_user_id)]
    world.identitystore.delete_user(IdentityStoreId=world.store_id, UserId=world.idc_user_id)
    assert assignments(world) == []
    other = world.identitystore.create_user(IdentityStoreId=world.store_id, UserName="zed", DisplayName="Zed",
                                            Name={"GivenName": "Z", "FamilyName": "Z"})["UserId"]
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=other, PrincipalType="USER")
    world.workmail.delete_identity_center_application(ApplicationArn=world.app_arn)
    with pytest.raises(ClientError) as exc:
        world.sso.list_application_assignments(ApplicationArn=world.app_arn)
    assert code_of(exc) == "ResourceNotFoundException"


def test_access_reasons_the_api_cannot_reach() -> None:
    """mailbox_access's own checks, called directly: the configuration is the caller's to pass."""
    user = {"organization_id": "m-0", "state": "ENABLED", "identity_provider_user_id": "u"}

    class NoRows:
        def one(self, sql: str, params: object) -> None:
            return None

    assert mailbox_access(NoRows(), user, "d-1111111111", "u") == Access(False, NO_IDENTITY_PROVIDER_CONFIGURATION)
    config = {"application_arn": "arn:app", "identity_store_id": "d-2222222222"}
    assert mailbox_access(NoRows(), user, "d-1111111111", "u", config) == Access(False, OTHER_IDENTITY_CENTER_INSTANCE)
