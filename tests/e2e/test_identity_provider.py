"""Put/Describe/DeleteIdentityProviderConfiguration end to end, with boto3 and raw HTTP:
the full flow, every modelled error, the check order, isolation and durability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of, instance_of
from workmail_local.testing import LocalServer

OTHER_ACCOUNT = "210987654321"
MISSING_ORG = "m-" + "0" * 32
PUT = "WorkMailService.PutIdentityProviderConfiguration"


@pytest.fixture
def application_arn(workmail: Any, instance_arn: str) -> str:
    return workmail.create_identity_center_application(Name="WorkMail", InstanceArn=instance_arn)["ApplicationArn"]


def put(client: Any, org_id: str, instance_arn: str, application_arn: str, mode: str = "IDENTITY_PROVIDER_ONLY",
        **pat: Any) -> dict[str, Any]:
    return client.put_identity_provider_configuration(
        OrganizationId=org_id,
        AuthenticationMode=mode,
        IdentityCenterConfiguration={"InstanceArn": instance_arn, "ApplicationArn": application_arn},
        PersonalAccessTokenConfiguration={"Status": "ACTIVE", **pat},
    )


def put_body(org_id: str, instance_arn: str, application_arn: str) -> dict[str, Any]:
    return {
        "OrganizationId": org_id,
        "AuthenticationMode": "IDENTITY_PROVIDER_ONLY",
        "IdentityCenterConfiguration": {"InstanceArn": instance_arn, "ApplicationArn": application_arn},
        "PersonalAccessTokenConfiguration": {"Status": "ACTIVE"},
    }


def test_full_flow(workmail, server, instance_arn) -> None:
    org_id = workmail.create_organization(Alias="acme")["OrganizationId"]
    app = workmail.create_identity_center_application(Name="WorkMail", InstanceArn=instance_arn)["ApplicationArn"]

    # Put answers HTTP 200 with an empty body.
    status, _, body = server.raw(PUT, {
        "OrganizationId": org_id,
        "AuthenticationMode": "IDENTITY_PROVIDER_AND_DIRECTORY",
        "IdentityCenterConfiguration": {"InstanceArn": instance_arn, "ApplicationArn": app},
        "PersonalAccessTokenConfiguration": {"Status": "ACTIVE", "LifetimeInDays": 30},
    })
    assert (status, body) == (200, {})
    described = workmail.describe_identity_provider_configuration(OrganizationId=org_id)
    described.pop("ResponseMetadata")
    assert described == {
        "AuthenticationMode": "IDENTITY_PROVIDER_AND_DIRECTORY",
        "IdentityCenterConfiguration": {"InstanceArn": instance_arn, "ApplicationArn": app},
        "PersonalAccessTokenConfiguration": {"Status": "ACTIVE", "LifetimeInDays": 30},
    }

    # A second Put replaces the first; LifetimeInDays left out means 365.
    workmail.put_identity_provider_configuration(
        OrganizationId=org_id,
        AuthenticationMode="IDENTITY_PROVIDER_ONLY",
        IdentityCenterConfiguration={"InstanceArn": instance_arn, "ApplicationArn": app},
        PersonalAccessTokenConfiguration={"Status": "INACTIVE"},
    )
    described = workmail.describe_identity_provider_configuration(OrganizationId=org_id)
    assert described["AuthenticationMode"] == "IDENTITY_PROVIDER_ONLY"
    assert described["PersonalAccessTokenConfiguration"] == {"Status": "INACTIVE", "LifetimeInDays": 365}

    workmail.delete_identity_provider_configuration(OrganizationId=org_id)
    with pytest.raises(ClientError) as exc:
        workmail.describe_identity_provider_configuration(OrganizationId=org_id)
    assert error_of(exc) == ("ResourceNotFoundException",
                             f"Organization {org_id} has no identity provider configuration.")

    workmail.delete_identity_center_application(ApplicationArn=app)
    assert server.client("sso-admin").list_applications(InstanceArn=instance_arn)["Applications"] == []


def test_put_replaces_the_application(workmail, org_id, instance_arn, application_arn) -> None:
    put(workmail, org_id, instance_arn, application_arn, LifetimeInDays=3653)
    second = workmail.create_identity_center_application(Name="Second", InstanceArn=instance_arn)["ApplicationArn"]
    put(workmail, org_id, instance_arn, second, mode="IDENTITY_PROVIDER_AND_DIRECTORY", LifetimeInDays=1)
    described = workmail.describe_identity_provider_configuration(OrganizationId=org_id)
    assert described["IdentityCenterConfiguration"]["ApplicationArn"] == second
    assert described["PersonalAccessTokenConfiguration"] == {"Status": "ACTIVE", "LifetimeInDays": 1}
    # The first application is no longer in use, so it can go; the second cannot.
    workmail.delete_identity_center_application(ApplicationArn=application_arn)
    with pytest.raises(ClientError) as exc:
        workmail.delete_identity_center_application(ApplicationArn=second)
    assert error_of(exc)[0] == "OrganizationStateException"


# -- modelled errors of PutIdentityProviderConfiguration ---------------------------------


def test_put_constraint_violations_boto3_sends(workmail, org_id, instance_arn, application_arn) -> None:
    # botocore checks neither enums, nor max, nor patterns: the server must.
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, instance_arn, application_arn, mode="FOO")
    assert error_of(exc) == ("InvalidParameterException",
                             "1 validation error detected: Value 'FOO' at 'authenticationMode' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [IDENTITY_PROVIDER_ONLY, "
                             "IDENTITY_PROVIDER_AND_DIRECTORY]")
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, instance_arn, application_arn, LifetimeInDays=3654)
    assert error_of(exc) == ("InvalidParameterException",
                             "1 validation error detected: Value '3654' at "
                             "'personalAccessTokenConfiguration.lifetimeInDays' failed to satisfy constraint: "
                             "Member must have value less than or equal to 3653")
    with pytest.raises(ClientError) as exc:
        put(workmail, "m-0123456789ABCDEF0123456789ABCDEF", instance_arn, application_arn)
    assert error_of(exc) == ("InvalidParameterException",
                             "1 validation error detected: Value 'm-0123456789ABCDEF0123456789ABCDEF' at "
                             "'organizationId' failed to satisfy constraint: Member must satisfy regular "
                             "expression pattern: ^m-[0-9a-f]{32}$")
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, "arn:aws:sso:::instance/not-an-instance", application_arn)
    code, message = error_of(exc)
    assert code == "InvalidParameterException"
    assert "at 'identityCenterConfiguration.instanceArn' failed to satisfy constraint: Member must satisfy " \
           "regular expression pattern" in message


def test_put_raw_requests_boto3_refuses(server, org_id, instance_arn, application_arn) -> None:
    body = put_body(org_id, instance_arn, application_arn)
    del body["AuthenticationMode"]
    status, headers, answer = server.raw(PUT, body)
    assert status == 400 and headers["x-amzn-errortype"] == "InvalidParameterException"
    assert answer == {"__type": "InvalidParameterException",
                      "message": "1 validation error detected: Value null at 'authenticationMode' failed to satisfy "
                                 "constraint: Member must not be null"}

    body = put_body(org_id, instance_arn, application_arn)
    body["PersonalAccessTokenConfiguration"]["LifetimeInDays"] = 0
    status, _, answer = server.raw(PUT, body)
    assert status == 400
    assert answer["message"] == ("1 validation error detected: Value '0' at "
                                 "'personalAccessTokenConfiguration.lifetimeInDays' failed to satisfy constraint: "
                                 "Member must have value greater than or equal to 1")

    body = put_body(org_id[:33], instance_arn, application_arn)
    status, _, answer = server.raw(PUT, body)
    assert status == 400
    assert answer["message"] == (
        f"2 validation errors detected: Value '{org_id[:33]}' at 'organizationId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 34; "
        f"Value '{org_id[:33]}' at 'organizationId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^m-[0-9a-f]{32}$"
    )

    body = put_body(org_id, instance_arn, application_arn)
    del body["IdentityCenterConfiguration"]["ApplicationArn"]
    del body["PersonalAccessTokenConfiguration"]["Status"]
    status, _, answer = server.raw(PUT, body)
    assert status == 400
    assert answer["message"] == (
        "2 validation errors detected: Value null at 'identityCenterConfiguration.applicationArn' failed to "
        "satisfy constraint: Member must not be null; Value null at 'personalAccessTokenConfiguration.status' "
        "failed to satisfy constraint: Member must not be null"
    )


def test_put_several_violations_in_one_request(server) -> None:
    status, _, answer = server.raw(PUT, {
        "OrganizationId": "m-x",
        "AuthenticationMode": "SOMETIMES",
        "PersonalAccessTokenConfiguration": {"Status": "MAYBE", "LifetimeInDays": 0},
    })
    assert status == 400 and answer["__type"] == "InvalidParameterException"
    assert answer["message"] == (
        "6 validation errors detected: "
        "Value 'm-x' at 'organizationId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 34; "
        "Value 'm-x' at 'organizationId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^m-[0-9a-f]{32}$; "
        "Value 'SOMETIMES' at 'authenticationMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [IDENTITY_PROVIDER_ONLY, IDENTITY_PROVIDER_AND_DIRECTORY]; "
        "Value null at 'identityCenterConfiguration' failed to satisfy constraint: Member must not be null; "
        "Value 'MAYBE' at 'personalAccessTokenConfiguration.status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ACTIVE, INACTIVE]; "
        "Value '0' at 'personalAccessTokenConfiguration.lifetimeInDays' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_put_organization_not_found(workmail, server, org_id, instance_arn, application_arn) -> None:
    with pytest.raises(ClientError) as exc:
        put(workmail, MISSING_ORG, instance_arn, application_arn)
    assert error_of(exc) == ("OrganizationNotFoundException", f"The organization {MISSING_ORG} was not found.")
    # Another account's organization is not found either, even with that account's own application.
    other = server.client("workmail", account=OTHER_ACCOUNT)
    other_instance = instance_of(server, account=OTHER_ACCOUNT)
    other_app = other.create_identity_center_application(Name="W", InstanceArn=other_instance)["ApplicationArn"]
    with pytest.raises(ClientError) as exc:
        put(other, org_id, other_instance, other_app)
    assert error_of(exc)[0] == "OrganizationNotFoundException"


def test_put_organization_not_active(workmail, org_id, instance_arn, application_arn) -> None:
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, instance_arn, application_arn)
    assert error_of(exc) == ("OrganizationStateException", f"Organization {org_id} is not Active, state: Deleted")


def test_put_application_not_found(workmail, server, org_id, instance_arn, application_arn) -> None:
    instance_id = instance_arn.rpartition("/")[2]
    never_created = f"arn:aws:sso::123456789012:application/{instance_id}/apl-0000000000000000"
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, instance_arn, never_created)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"The IAM Identity Center application {never_created} was not found. It must be created with "
        "CreateIdentityCenterApplication in account 123456789012 and Region us-east-1.",
    )
    # Another account's application, and this account's application of another region.
    other_instance = instance_of(server, account=OTHER_ACCOUNT)
    other_app = server.client("workmail", account=OTHER_ACCOUNT).create_identity_center_application(
        Name="W", InstanceArn=other_instance)["ApplicationArn"]
    west_instance = instance_of(server, region="eu-west-1")
    west_app = server.client("workmail", region="eu-west-1").create_identity_center_application(
        Name="W", InstanceArn=west_instance)["ApplicationArn"]
    for foreign_instance, foreign_app in ((other_instance, other_app), (west_instance, west_app)):
        with pytest.raises(ClientError) as exc:
            put(workmail, org_id, foreign_instance, foreign_app)
        assert error_of(exc)[0] == "ResourceNotFoundException"
    # A deleted application is not found.
    workmail.delete_identity_center_application(ApplicationArn=application_arn)
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, instance_arn, application_arn)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_put_instance_not_the_applications(workmail, server, org_id, instance_arn, application_arn) -> None:
    for wrong in ("arn:aws:sso:::instance/ssoins-0000000000000000", instance_of(server, region="eu-west-1")):
        with pytest.raises(ClientError) as exc:
            put(workmail, org_id, wrong, application_arn)
        assert error_of(exc) == (
            "InvalidParameterException",
            f"The IAM Identity Center instance {wrong} is not the instance of application {application_arn} "
            f"({instance_arn}).",
        )
    with pytest.raises(ClientError) as exc:
        workmail.describe_identity_provider_configuration(OrganizationId=org_id)
    assert error_of(exc)[0] == "ResourceNotFoundException"  # nothing was stored


def test_put_check_order(workmail, org_id, instance_arn, application_arn) -> None:
    missing_app = application_arn[:-16] + "0" * 16
    wrong_instance = "arn:aws:sso:::instance/ssoins-0000000000000000"
    # Input constraints come before the organization.
    with pytest.raises(ClientError) as exc:
        put(workmail, MISSING_ORG, wrong_instance, missing_app, mode="FOO")
    assert error_of(exc)[0] == "InvalidParameterException"
    # The organization (not found, then not Active) comes before the application.
    with pytest.raises(ClientError) as exc:
        put(workmail, MISSING_ORG, wrong_instance, missing_app)
    assert error_of(exc)[0] == "OrganizationNotFoundException"
    deleted = workmail.create_organization(Alias="gone")["OrganizationId"]
    workmail.delete_organization(OrganizationId=deleted, DeleteDirectory=True)
    with pytest.raises(ClientError) as exc:
        put(workmail, deleted, wrong_instance, missing_app)
    assert error_of(exc)[0] == "OrganizationStateException"
    # The application comes before the instance check.
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, wrong_instance, missing_app)
    assert error_of(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, wrong_instance, application_arn)
    assert error_of(exc)[0] == "InvalidParameterException"


# -- Describe and Delete ----------------------------------------------------------------------


def test_describe_and_delete_errors(workmail, server, org_id, instance_arn, application_arn) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.describe_identity_provider_configuration(OrganizationId=org_id)
    assert error_of(exc)[0] == "ResourceNotFoundException"
    workmail.delete_identity_provider_configuration(OrganizationId=org_id)  # none set: 200

    for call in (workmail.describe_identity_provider_configuration, workmail.delete_identity_provider_configuration):
        with pytest.raises(ClientError) as exc:
            call(OrganizationId="m-" + "Z" * 32)
        assert error_of(exc)[0] == "InvalidParameterException"
        with pytest.raises(ClientError) as exc:
            call(OrganizationId=MISSING_ORG)
        assert error_of(exc) == ("OrganizationNotFoundException", f"The organization {MISSING_ORG} was not found.")

    for target in ("DescribeIdentityProviderConfiguration", "DeleteIdentityProviderConfiguration"):
        status, _, answer = server.raw(f"WorkMailService.{target}", {})
        assert status == 400
        assert answer["message"] == ("1 validation error detected: Value null at 'organizationId' failed to "
                                     "satisfy constraint: Member must not be null")

    put(workmail, org_id, instance_arn, application_arn)
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    for call in (workmail.describe_identity_provider_configuration, workmail.delete_identity_provider_configuration):
        with pytest.raises(ClientError) as exc:
            call(OrganizationId=org_id)
        assert error_of(exc) == ("OrganizationStateException", f"Organization {org_id} is not Active, state: Deleted")


def test_delete_configuration_leaves_other_organizations(workmail, instance_arn, application_arn) -> None:
    first = workmail.create_organization(Alias="first")["OrganizationId"]
    second = workmail.create_organization(Alias="second")["OrganizationId"]
    put(workmail, first, instance_arn, application_arn)
    put(workmail, second, instance_arn, application_arn, mode="IDENTITY_PROVIDER_AND_DIRECTORY")
    workmail.delete_identity_provider_configuration(OrganizationId=first)
    assert workmail.describe_identity_provider_configuration(OrganizationId=second)["AuthenticationMode"] == \
        "IDENTITY_PROVIDER_AND_DIRECTORY"


# -- DeleteOrganization ----------------------------------------------------------------------


def test_delete_organization_with_its_application(workmail, server, org_id, instance_arn, application_arn) -> None:
    put(workmail, org_id, instance_arn, application_arn)
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, DeleteIdentityCenterApplication=True)
    with pytest.raises(ClientError) as exc:
        server.client("sso-admin").describe_application(ApplicationArn=application_arn)
    assert error_of(exc)[0] == "ResourceNotFoundException"
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    with pytest.raises(ClientError) as exc:
        put(workmail, other, instance_arn, application_arn)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_delete_organization_keeping_its_application(workmail, server, org_id, instance_arn, application_arn) -> None:
    put(workmail, org_id, instance_arn, application_arn)
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, DeleteIdentityCenterApplication=False)
    # The application stays, and the deleted organization no longer holds it.
    assert server.client("sso-admin").describe_application(ApplicationArn=application_arn)["Name"] == "WorkMail"
    workmail.delete_identity_center_application(ApplicationArn=application_arn)
    with pytest.raises(ClientError) as exc:
        server.client("sso-admin").describe_application(ApplicationArn=application_arn)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_delete_organization_refused_while_another_uses_the_application(
    workmail, org_id, instance_arn, application_arn
) -> None:
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    put(workmail, org_id, instance_arn, application_arn)
    put(workmail, other, instance_arn, application_arn)
    with pytest.raises(ClientError) as exc:
        workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, DeleteIdentityCenterApplication=True)
    assert error_of(exc) == (
        "OrganizationStateException",
        f"The IAM Identity Center application {application_arn} is used by the identity provider configuration "
        f"of organization {other}. Delete that configuration first.",
    )
    # Nothing changed: the organization is Active and keeps its configuration.
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Active"
    assert workmail.describe_identity_provider_configuration(OrganizationId=org_id)["AuthenticationMode"] == \
        "IDENTITY_PROVIDER_ONLY"


def test_delete_organization_without_configuration_deletes_no_application(
    workmail, server, org_id, application_arn
) -> None:
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, DeleteIdentityCenterApplication=True)
    assert server.client("sso-admin").describe_application(ApplicationArn=application_arn)["Name"] == "WorkMail"


# -- isolation and durability ----------------------------------------------------------------


def test_configuration_is_invisible_to_other_accounts_and_regions(workmail, server, org_id, instance_arn,
                                                                  application_arn) -> None:
    put(workmail, org_id, instance_arn, application_arn)
    for other in (server.client("workmail", account=OTHER_ACCOUNT), server.client("workmail", region="eu-west-1")):
        for call in (other.describe_identity_provider_configuration, other.delete_identity_provider_configuration):
            with pytest.raises(ClientError) as exc:
                call(OrganizationId=org_id)
            assert error_of(exc)[0] == "OrganizationNotFoundException"
    assert workmail.describe_identity_provider_configuration(OrganizationId=org_id)["AuthenticationMode"] == \
        "IDENTITY_PROVIDER_ONLY"


def test_configuration_survives_a_restart(tmp_path: Path) -> None:
    first = LocalServer(data_dir=tmp_path / "data")
    with first:
        wm = first.client("workmail")
        instance = instance_of(first)
        org_id = wm.create_organization(Alias="durable")["OrganizationId"]
        app = wm.create_identity_center_application(Name="WorkMail", InstanceArn=instance)["ApplicationArn"]
        put(wm, org_id, instance, app, mode="IDENTITY_PROVIDER_AND_DIRECTORY", LifetimeInDays=90)
        before = wm.describe_identity_provider_configuration(OrganizationId=org_id)
    with LocalServer(data_dir=tmp_path / "data") as second:
        wm = second.client("workmail")
        after = wm.describe_identity_provider_configuration(OrganizationId=org_id)
        for answer in (before, after):
            answer.pop("ResponseMetadata")
        assert after == before
        assert instance_of(second) == instance
        apps = second.client("sso-admin").list_applications(InstanceArn=instance)["Applications"]
        assert [a["ApplicationArn"] for a in apps] == [app]
