"""A handler fault answers 500 InternalFailure with a request ID the log also shows, never a traceback."""

from __future__ import annotations

import io
import logging

import orjson
import pytest

from workmail_local.app import App
from workmail_local.config import Settings


def test_fault_is_internal_failure_with_logged_request_id(caplog: pytest.LogCaptureFixture) -> None:
    app = App(Settings(in_memory=True))
    app.access_log.stream = io.StringIO()
    op, _ = app.targets["WorkMailService.ListOrganizations"]

    def broken(ctx, params):  # noqa: ANN001, ANN202
        raise ZeroDivisionError("boom")

    app.targets["WorkMailService.ListOrganizations"] = (op, broken)
    with caplog.at_level(logging.INFO, logger="workmail_local.requests"):
        status, payload, headers = app.handle_aws(
            "POST", "/", {b"x-amz-target": b"WorkMailService.ListOrganizations"}, b"{}")
    body = orjson.loads(payload)
    request_id = dict(headers)[b"x-amzn-requestid"].decode()
    assert status == 500
    assert body["__type"] == "InternalFailure"
    assert request_id in body["message"]
    assert "boom" not in body["message"] and "Traceback" not in body["message"]
    assert dict(headers)[b"x-amzn-errortype"] == b"InternalFailure"
    assert any(request_id in r.getMessage() and "ZeroDivisionError" in r.getMessage() for r in caplog.records)
    access = app.access_log.stream.getvalue().splitlines()
    assert len(access) == 1
    assert "ListOrganizations account=000000000000 region=us-east-1 status=500 error=InternalFailure" in access[0]
    assert access[0].endswith(f"request_id={request_id}")


def test_a_failed_handler_writes_nothing() -> None:
    app = App(Settings(in_memory=True))
    op, create = app.targets["WorkMailService.CreateOrganization"]

    def create_then_fail(ctx, params):  # noqa: ANN001, ANN202
        create(ctx, params)
        raise RuntimeError("after the insert")

    app.targets["WorkMailService.CreateOrganization"] = (op, create_then_fail)
    status, _, _ = app.handle_aws("POST", "/", {b"x-amz-target": b"WorkMailService.CreateOrganization"},
                                  b'{"Alias": "half"}')
    assert status == 500
    status, payload, _ = app.handle_aws("POST", "/", {b"x-amz-target": b"WorkMailService.ListOrganizations"}, b"{}")
    assert orjson.loads(payload) == {"OrganizationSummaries": []}
