"""CreateIdentityCenterApplication and DeleteIdentityCenterApplication end to end: ARNs,
ClientToken replay, every modelled error, isolation across accounts and regions."""

from __future__ import annotations

from typing import Any

import pytest
import regex
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of, instance_of, pattern

OTHER_ACCOUNT = "210987654321"
CREATE = "WorkMailService.CreateIdentityCenterApplication"
DELETE = "WorkMailService.DeleteIdentityCenterApplication"


def create(client: Any, instance_arn: str, name: str = "WorkMail", **extra: Any) -> str:
    return client.create_identity_center_application(Name=name, InstanceArn=instance_arn, **extra)["ApplicationArn"]


def test_create_gives_an_arn_of_the_model_shape(workmail, server, instance_arn) -> None:
    arn = create(workmail, instance_arn)
    instance_id = instance_arn.rpartition("/")[2]
    assert regex.fullmatch(rf"arn:aws:sso::123456789012:application/{instance_id}/apl-[a-zA-Z0-9]{{16}}", arn)
    assert pattern("workmail", "ApplicationArn").search(arn)
    assert pattern("sso-admin", "ApplicationArn").search(arn)
    assert create(workmail, instance_arn) != arn  # a name is not a key: each call makes an application
    shown = server.client("sso-admin").describe_application(ApplicationArn=arn)
    assert (shown["Name"], shown["InstanceArn"], shown["ApplicationAccount"]) == ("WorkMail", instance_arn,
                                                                                 "123456789012")


def test_client_token_replays_the_same_arn(workmail, server, instance_arn) -> None:
    first = create(workmail, instance_arn, ClientToken="token-1")
    assert create(workmail, instance_arn, ClientToken="token-1") == first
    apps = server.client("sso-admin").list_applications(InstanceArn=instance_arn)["Applications"]
    assert [a["ApplicationArn"] for a in apps] == [first]
    with pytest.raises(ClientError) as exc:
        create(workmail, instance_arn, name="Other", ClientToken="token-1")
    assert error_of(exc) == ("InvalidParameterException",
                             "The ClientToken token-1 was already used with different parameters.")
    # Tokens are per account: the same token elsewhere is a new request.
    other_instance = instance_of(server, account=OTHER_ACCOUNT)
    other = create(server.client("workmail", account=OTHER_ACCOUNT), other_instance, ClientToken="token-1")
    assert other != first and ":210987654321:" in other


def test_create_with_an_instance_not_of_this_account_and_region(workmail, server, instance_arn) -> None:
    unknown = "arn:aws:sso:::instance/ssoins-0000000000000000"
    foreign = [unknown, instance_of(server, account=OTHER_ACCOUNT), instance_of(server, region="eu-west-1")]
    for arn in foreign:
        with pytest.raises(ClientError) as exc:
            create(workmail, arn)
        assert error_of(exc) == (
            "InvalidParameterException",
            f"The IAM Identity Center instance {arn} does not exist in account 123456789012 and Region us-east-1.",
        )
    assert server.client("sso-admin").list_applications(InstanceArn=instance_arn)["Applications"] == []


def test_create_constraint_violations(workmail, server, instance_arn) -> None:
    with pytest.raises(ClientError) as exc:
        create(workmail, instance_arn, name="Work Mail!")
    assert error_of(exc) == ("InvalidParameterException",
                             "1 validation error detected: Value 'Work Mail!' at 'name' failed to satisfy "
                             "constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@-]+$")
    with pytest.raises(ClientError) as exc:
        create(workmail, "arn:aws:sso:::instance/ssoins-short")
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        create(workmail, instance_arn, name="x" * 256)
    assert error_of(exc) == ("InvalidParameterException",
                             f"1 validation error detected: Value '{'x' * 256}' at 'name' failed to satisfy "
                             "constraint: Member must have length less than or equal to 255")
    status, _, answer = server.raw(CREATE, {"Name": ""})
    assert status == 400 and answer["__type"] == "InvalidParameterException"
    assert answer["message"] == (
        "2 validation errors detected: Value '' at 'name' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ^[\\w+=,.@-]+$; Value null at 'instanceArn' failed to satisfy constraint: "
        "Member must not be null"
    )
    status, _, answer = server.raw(CREATE, {"Name": "WorkMail", "InstanceArn": instance_arn, "ClientToken": ""})
    assert status == 400
    assert answer["message"] == (
        "2 validation errors detected: Value '' at 'clientToken' failed to satisfy constraint: Member must have "
        "length greater than or equal to 1; Value '' at 'clientToken' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [\\x21-\\x7e]+"
    )


def test_delete(workmail, server, instance_arn) -> None:
    arn = create(workmail, instance_arn)
    keep = create(workmail, instance_arn, name="Keep")
    status, _, body = server.raw(DELETE, {"ApplicationArn": arn})
    assert (status, body) == (200, {})
    apps = server.client("sso-admin").list_applications(InstanceArn=instance_arn)["Applications"]
    assert [a["ApplicationArn"] for a in apps] == [keep]
    # Absent (already deleted, or never created): 200.
    workmail.delete_identity_center_application(ApplicationArn=arn)
    workmail.delete_identity_center_application(ApplicationArn=arn[:-16] + "0" * 16)


def test_delete_while_an_organization_uses_it(workmail, server, org_id, instance_arn) -> None:
    arn = create(workmail, instance_arn)
    workmail.put_identity_provider_configuration(
        OrganizationId=org_id,
        AuthenticationMode="IDENTITY_PROVIDER_ONLY",
        IdentityCenterConfiguration={"InstanceArn": instance_arn, "ApplicationArn": arn},
        PersonalAccessTokenConfiguration={"Status": "ACTIVE"},
    )
    with pytest.raises(ClientError) as exc:
        workmail.delete_identity_center_application(ApplicationArn=arn)
    assert error_of(exc) == (
        "OrganizationStateException",
        f"The IAM Identity Center application {arn} is used by the identity provider configuration of "
        f"organization {org_id}. Delete that configuration first.",
    )
    # Deleting the application changed nothing; once the configuration is gone, it can go.
    assert workmail.describe_identity_provider_configuration(OrganizationId=org_id)["IdentityCenterConfiguration"][
        "ApplicationArn"] == arn
    workmail.delete_identity_provider_configuration(OrganizationId=org_id)
    workmail.delete_identity_center_application(ApplicationArn=arn)
    with pytest.raises(ClientError) as exc:
        server.client("sso-admin").describe_application(ApplicationArn=arn)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_delete_constraint_violations(workmail, server) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.delete_identity_center_application(ApplicationArn="arn:aws:sso::123456789012:application/x")
    code, message = error_of(exc)
    assert code == "InvalidParameterException"
    assert message.startswith("1 validation error detected: Value 'arn:aws:sso::123456789012:application/x' at "
                              "'applicationArn' failed to satisfy constraint: Member must satisfy regular "
                              "expression pattern: ")
    status, _, answer = server.raw(DELETE, {})
    assert status == 400
    assert answer["message"] == ("1 validation error detected: Value null at 'applicationArn' failed to satisfy "
                                 "constraint: Member must not be null")


def test_applications_are_invisible_to_other_accounts_and_regions(workmail, server, instance_arn) -> None:
    arn = create(workmail, instance_arn)
    for account, region in ((OTHER_ACCOUNT, "us-east-1"), ("123456789012", "eu-west-1")):
        # Another caller's delete of it is a delete of something absent: 200, and it stays.
        server.client("workmail", account=account, region=region).delete_identity_center_application(
            ApplicationArn=arn)
        with pytest.raises(ClientError) as exc:
            server.client("sso-admin", account=account, region=region).describe_application(ApplicationArn=arn)
        assert error_of(exc)[0] == "ResourceNotFoundException"
        own_instance = instance_of(server, account=account, region=region)
        own = server.client("sso-admin", account=account, region=region).list_applications(InstanceArn=own_instance)
        assert own["Applications"] == []
    assert server.client("sso-admin").describe_application(ApplicationArn=arn)["ApplicationArn"] == arn
