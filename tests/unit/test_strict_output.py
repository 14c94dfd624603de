"""Strict output (WORKMAIL_LOCAL_STRICT_OUTPUT=1, on for the whole suite): a handler result
that does not fit its output shape is a 500, never a silently emptied 200."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from workmail_local.protocol.model import load_service
from workmail_local.protocol.serialize import OutputShapeError, compile_serializer
from workmail_local.services import load_handlers
from workmail_local.testing import mock_workmail


def _strict(service: str, operation: str):  # noqa: ANN202
    return compile_serializer(load_service(service).model.operation_model(operation).output_shape, strict=True)


def test_the_suite_runs_strict() -> None:
    assert all(load_service(name).strict_output for name in ("workmail", "sso-admin", "identitystore"))


def test_an_unknown_key_fails_the_strict_check() -> None:
    with pytest.raises(OutputShapeError, match="'OrganizationID'"):
        _strict("workmail", "CreateOrganization")({"OrganizationID": "m-1"})


def test_a_missing_required_member_fails_the_strict_check() -> None:
    # identitystore CreateUser's output requires UserId and IdentityStoreId.
    with pytest.raises(OutputShapeError, match="'IdentityStoreId'"):
        _strict("identitystore", "CreateUser")({"UserId": "u-1"})


def test_nested_structures_are_checked_too() -> None:
    serialize = _strict("workmail", "ListOrganizations")
    assert serialize({"OrganizationSummaries": [{"OrganizationId": "m-1"}]}) == {
        "OrganizationSummaries": [{"OrganizationId": "m-1"}]}
    with pytest.raises(OutputShapeError, match="'Secret'"):
        serialize({"OrganizationSummaries": [{"OrganizationId": "m-1", "Secret": "x"}]})


def test_a_fitting_result_is_written_as_in_production() -> None:
    shape = load_service("workmail").model.operation_model("DescribeUser").output_shape
    value = {"UserId": "u", "Name": "ann", "EnabledDate": 1.5, "Email": None}
    assert _strict("workmail", "DescribeUser")(value) == compile_serializer(shape)(value)


def test_a_handler_returning_an_unknown_key_answers_500(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = load_handlers()["workmail"].by_operation
    monkeypatch.setitem(registry, "ListOrganizations", lambda ctx, params: {"OrganizationSummary": []})
    with mock_workmail():
        client = boto3.client("workmail", region_name="us-east-1", aws_access_key_id="123456789012",
                              aws_secret_access_key="x")
        with pytest.raises(ClientError) as exc:
            client.list_organizations()
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert exc.value.response["Error"]["Code"] == "InternalFailure"
    json.dumps(exc.value.response)  # an ordinary AWS error, nothing else
