"""The wire contract over real HTTP: routing, errors, request IDs, accounts and regions."""

from __future__ import annotations

import re

import pytest

from workmail_local.protocol.model import load_service
from workmail_local.services import load_handlers
from workmail_local.testing import LocalServer

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_malformed_json_is_serialization_exception(server) -> None:
    status, headers, body = server.raw("WorkMailService.ListOrganizations", b"{not json")
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert headers["x-amzn-errortype"] == "SerializationException"
    assert UUID.match(headers["x-amzn-requestid"])


def test_non_object_body_is_serialization_exception(server) -> None:
    status, _, body = server.raw("WorkMailService.ListOrganizations", b"[1, 2]")
    assert (status, body["__type"]) == (400, "SerializationException")


def test_wrong_json_type_is_serialization_exception(server) -> None:
    status, _, body = server.raw("WorkMailService.ListOrganizations", {"MaxResults": "ten"})
    assert (status, body["__type"]) == (400, "SerializationException")
    assert "maxResults" in body["message"]


def test_unknown_operation(server) -> None:
    status, headers, body = server.raw("WorkMailService.FlyToTheMoon", {})
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    assert UUID.match(headers["x-amzn-requestid"])
    status, _, body = server.raw("NoSuchService_20200101.Describe", {})
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, _, body = server.raw("", {})
    assert (status, body["__type"]) == (400, "UnknownOperationException")


# Operations still without a handler, by the one required member each takes and a valid
# value for it: WorkMail's are all implemented now, sso-admin's subset leaves plenty.
_SOLE_MEMBERS = {
    "workmail": ("OrganizationId", "m-" + "0" * 32),
    "sso-admin": ("InstanceArn", "arn:aws:sso:::instance/ssoins-0123456789abcdef"),
}


def unimplemented_operation() -> tuple[str, str, dict[str, str], str]:
    """``(target, operation, valid input, validation error name)`` of a hosted operation
    without a handler that takes one required member."""
    registries = load_handlers()
    for service_name, (member, value) in _SOLE_MEMBERS.items():
        service = load_service(service_name)
        bound = registries[service_name].by_operation
        for name in service.model.operation_names:
            if name not in bound and service.model.operation_model(name).input_shape.required_members == [member]:
                return f"{service.target_prefix}.{name}", name, {member: value}, service.validation_error
    raise AssertionError("every hosted operation with one required member has a handler: pick another example")


def test_operation_without_handler_is_501_naming_it(server) -> None:
    target, operation, valid, _ = unimplemented_operation()
    status, headers, body = server.raw(target, valid)
    assert status == 501
    assert body == {"__type": "NotImplemented", "message": f"{operation} is not implemented by WorkMail Local yet"}
    assert headers["x-amzn-errortype"] == "NotImplemented"


def test_validation_runs_before_the_missing_handler(server) -> None:
    target, _, _, validation_error = unimplemented_operation()
    status, _, body = server.raw(target, {})
    assert (status, body["__type"]) == (400, validation_error)


def test_every_response_has_a_request_id_and_json_content_type(server) -> None:
    status, headers, body = server.raw("WorkMailService.ListOrganizations", {})
    assert status == 200 and body == {"OrganizationSummaries": []}
    assert UUID.match(headers["x-amzn-requestid"])
    assert headers["content-type"] == "application/x-amz-json-1.1"


def test_empty_body_is_an_empty_input(server) -> None:
    status, _, body = server.raw("WorkMailService.ListOrganizations", b"")
    assert status == 200 and body == {"OrganizationSummaries": []}


def test_boto3_sees_the_request_id(workmail) -> None:
    meta = workmail.list_organizations()["ResponseMetadata"]
    assert UUID.match(meta["RequestId"])


def test_get_on_root_is_a_json_error_not_html(server) -> None:
    status, headers, body = server._request("GET", "/", b"", {})
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert b"UnknownOperationException" in body


def test_unsigned_requests_use_the_default_account_and_us_east_1(server) -> None:
    status, _, body = server.raw("WorkMailService.CreateOrganization", {"Alias": "anon"},
                                 headers={"Authorization": ""})
    assert status == 200
    default = server.client("workmail", account="000000000000")
    assert [o["Alias"] for o in default.list_organizations()["OrganizationSummaries"]] == ["anon"]
    assert server.client("workmail").list_organizations()["OrganizationSummaries"] == []


def test_non_numeric_access_keys_go_to_the_default_account(server) -> None:
    server.client("workmail", account="AKIAEXAMPLEKEY").create_organization(Alias="keyed")
    summaries = server.client("workmail", account="000000000000").list_organizations()["OrganizationSummaries"]
    assert [o["Alias"] for o in summaries] == ["keyed"]


def test_state_is_partitioned_by_region(server) -> None:
    server.client("workmail", region="eu-west-1").create_organization(Alias="euro")
    assert server.client("workmail", region="us-west-2").list_organizations()["OrganizationSummaries"] == []
    assert len(server.client("workmail", region="eu-west-1").list_organizations()["OrganizationSummaries"]) == 1


def test_one_log_line_per_request(server) -> None:
    server.client("workmail", account="444444444444", region="eu-west-1").list_organizations()
    server.raw("WorkMailService.DescribeOrganization", {"OrganizationId": "m-bad"}, account="444444444444")
    lines = [line for line in server.log().splitlines() if "account=444444444444" in line]
    assert len(lines) == 2
    assert re.search(r"ListOrganizations account=444444444444 region=eu-west-1 status=200 error=- \d+\.\dms", lines[0])
    assert re.search(r"DescribeOrganization account=444444444444 region=us-east-1 status=400 "
                     r"error=InvalidParameterException \d+\.\dms", lines[1])


def test_validation_error_name_is_configurable(tmp_path) -> None:
    with LocalServer(in_memory=True, env={"WORKMAIL_LOCAL_VALIDATION_ERROR": "ValidationException"}) as server:
        status, _, body = server.raw("WorkMailService.DescribeOrganization", {"OrganizationId": "m-x"})
        assert (status, body["__type"]) == (400, "ValidationException")
        assert body["message"].startswith("2 validation errors detected: ")
    with LocalServer(in_memory=True, extra_args=["--validation-error", "ValidationException"]) as server:
        status, _, body = server.raw("WorkMailService.DescribeOrganization", {})
        assert body == {"__type": "ValidationException", "message": "1 validation error detected: Value null at "
                        "'organizationId' failed to satisfy constraint: Member must not be null"}


@pytest.mark.parametrize("target", ["SWBExternalService.ListInstances", "AWSIdentityStore.ListUsers"])
def test_other_hosted_services_are_routed_by_target_prefix(server, target) -> None:
    # Both inputs have an integer MaxResults: a string there is refused by that model's parser.
    status, _, body = server.raw(target, {"IdentityStoreId": "d-0123456789", "MaxResults": "ten"})
    assert (status, body["__type"]) == (400, "SerializationException")
    assert "maxResults" in body["message"]
