"""Availability configurations: each operation, every modelled error, the sealed EWS
password, and TestAvailabilityConfiguration's real HTTP checks against a small local
server the test runs (200, 401, a closed port, a Lambda stand-in)."""

from __future__ import annotations

import base64
import json
import socket
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import check_organization_errors, code_of, error_of
from workmail_local.testing import LocalServer

USER, PASSWORD = "svc-availability", "Ews-Secret-Pa55"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:availability-provider"


class Provider:
    """A local HTTP server standing in for an EWS endpoint (``/EWS/Exchange.asmx``: 200
    for the right Basic credentials, else 401) and a Lambda function (``/lambda``)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                provider.requests.append((self.path, dict(self.headers), body))
                expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if self.path == "/lambda":
                    status, answer = 200, json.dumps({"mailboxes": []}).encode()
                elif self.path == "/broken":
                    status, answer = 500, b"oops"
                elif self.headers.get("Authorization") == expected:
                    status, answer = 200, b"<soap:Envelope/>"
                else:
                    status, answer = 401, b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    running = Provider()
    yield running
    running.http.shutdown()


def ews(url: str, password: str = PASSWORD) -> dict[str, str]:
    return {"EwsEndpoint": url, "EwsUsername": USER, "EwsPassword": password}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/EWS/Exchange.asmx"


def test_create_list_update_delete(workmail, org_id, provider) -> None:
    endpoint = provider.url + "/EWS/Exchange.asmx"
    workmail.create_availability_configuration(OrganizationId=org_id, DomainName="Partner.Example.com",
                                               EwsProvider=ews(endpoint))
    workmail.create_availability_configuration(OrganizationId=org_id, DomainName="lambda.example.com",
                                               LambdaProvider={"LambdaArn": LAMBDA_ARN})
    listed = workmail.list_availability_configurations(OrganizationId=org_id)["AvailabilityConfigurations"]
    assert [c["DomainName"] for c in listed] == ["partner.example.com", "lambda.example.com"]
    assert listed[0]["ProviderType"] == "EWS" and listed[0]["EwsProvider"] == {"EwsEndpoint": endpoint,
                                                                                "EwsUsername": USER}
    assert "LambdaProvider" not in listed[0] and listed[1]["LambdaProvider"] == {"LambdaArn": LAMBDA_ARN}
    assert PASSWORD not in json.dumps(listed, default=str)
    workmail.update_availability_configuration(OrganizationId=org_id, DomainName="PARTNER.example.com",
                                               LambdaProvider={"LambdaArn": LAMBDA_ARN})
    updated = workmail.list_availability_configurations(OrganizationId=org_id)["AvailabilityConfigurations"][0]
    assert updated["ProviderType"] == "LAMBDA" and "EwsProvider" not in updated
    assert updated["DateModified"] >= updated["DateCreated"]
    workmail.delete_availability_configuration(OrganizationId=org_id, DomainName="partner.EXAMPLE.com")
    workmail.delete_availability_configuration(OrganizationId=org_id, DomainName="never.example.com")  # 200
    assert [c["DomainName"] for c in workmail.list_availability_configurations(
        OrganizationId=org_id)["AvailabilityConfigurations"]] == ["lambda.example.com"]


def test_errors_of_create_and_update(workmail, server, org_id) -> None:
    workmail.create_availability_configuration(OrganizationId=org_id, DomainName="a.example.com",
                                               LambdaProvider={"LambdaArn": LAMBDA_ARN})
    with pytest.raises(ClientError) as exc:
        workmail.create_availability_configuration(OrganizationId=org_id, DomainName="A.example.com",
                                                   LambdaProvider={"LambdaArn": LAMBDA_ARN})
    assert error_of(exc) == ("NameAvailabilityException",
                             f"The domain a.example.com already has an availability configuration in organization "
                             f"{org_id}.")
    for call in (workmail.create_availability_configuration, workmail.update_availability_configuration):
        for providers, word in (({}, "neither"), ({"EwsProvider": ews("http://x.example.com/"),
                                                   "LambdaProvider": {"LambdaArn": LAMBDA_ARN}}, "both")):
            with pytest.raises(ClientError) as exc:
                call(OrganizationId=org_id, DomainName="a.example.com", **providers)
            code, message = error_of(exc)
            assert code == "InvalidParameterException" and word in message
    with pytest.raises(ClientError) as exc:
        workmail.update_availability_configuration(OrganizationId=org_id, DomainName="b.example.com",
                                                   LambdaProvider={"LambdaArn": LAMBDA_ARN})
    assert error_of(exc) == ("ResourceNotFoundException",
                             f"There is no availability configuration for b.example.com in organization {org_id}.")
    unchecked = server.client("workmail", validate=False)
    with pytest.raises(ClientError) as exc:
        unchecked.create_availability_configuration(OrganizationId=org_id, DomainName="c.example.com",
                                                    EwsProvider=ews("ftp://nope", password="\u0001"))
    code, message = error_of(exc)
    assert code == "InvalidParameterException" and "\u0001" not in message
    with pytest.raises(ClientError) as exc:
        unchecked.list_availability_configurations(OrganizationId=org_id, MaxResults=0)
    assert code_of(exc) == "InvalidParameterException"
    for n in range(99):  # 100 per organization
        workmail.create_availability_configuration(OrganizationId=org_id, DomainName=f"d{n}.example.com",
                                                   LambdaProvider={"LambdaArn": LAMBDA_ARN})
    with pytest.raises(ClientError) as exc:
        workmail.create_availability_configuration(OrganizationId=org_id, DomainName="one-more.example.com",
                                                   LambdaProvider={"LambdaArn": LAMBDA_ARN})
    assert code_of(exc) == "LimitExceededException"
    pages = workmail.get_paginator("list_availability_configurations").paginate(
        OrganizationId=org_id, PaginationConfig={"PageSize": 30})
    sizes = [len(page["AvailabilityConfigurations"]) for page in pages]
    assert sizes == [30, 30, 30, 10]


def test_ews_checks_are_real_http_requests(workmail, org_id, provider) -> None:
    endpoint = provider.url + "/EWS/Exchange.asmx"
    before = len(provider.requests)
    passed = workmail.test_availability_configuration(OrganizationId=org_id, EwsProvider=ews(endpoint))
    assert passed["TestPassed"] is True and "FailureReason" not in passed
    path, headers, body = provider.requests[before]
    assert path == "/EWS/Exchange.asmx" and b"GetServerTimeZones" in body
    assert headers["Authorization"] == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    refused = workmail.test_availability_configuration(OrganizationId=org_id, EwsProvider=ews(endpoint, "wrong"))
    assert refused["TestPassed"] is False
    assert refused["FailureReason"] == (f"HTTP 401 Unauthorized: the EWS endpoint {endpoint} refused the credentials "
                                        f"of {USER}")
    broken = workmail.test_availability_configuration(OrganizationId=org_id, EwsProvider=ews(provider.url + "/broken"))
    assert broken["TestPassed"] is False and broken["FailureReason"].startswith("HTTP 500")
    closed = closed_port_url()
    down = workmail.test_availability_configuration(OrganizationId=org_id, EwsProvider=ews(closed))
    assert down["TestPassed"] is False and down["FailureReason"] == f"Could not connect to {closed}: connection refused"


def test_a_stored_configuration_is_tested_with_its_sealed_password(workmail, server, org_id, provider) -> None:
    endpoint = provider.url + "/EWS/Exchange.asmx"
    workmail.create_availability_configuration(OrganizationId=org_id, DomainName="partner.example.com",
                                               EwsProvider=ews(endpoint))
    assert workmail.test_availability_configuration(OrganizationId=org_id,
                                                    DomainName="Partner.example.com")["TestPassed"] is True
    workmail.update_availability_configuration(OrganizationId=org_id, DomainName="partner.example.com",
                                               EwsProvider=ews(endpoint, "changed"))
    assert workmail.test_availability_configuration(OrganizationId=org_id,
                                                    DomainName="partner.example.com")["TestPassed"] is False
    with pytest.raises(ClientError) as exc:
        workmail.test_availability_configuration(OrganizationId=org_id, DomainName="unknown.example.com")
    assert code_of(exc) == "ResourceNotFoundException"
    for extra in ({}, {"DomainName": "partner.example.com", "EwsProvider": ews(endpoint)}):
        with pytest.raises(ClientError) as exc:
            workmail.test_availability_configuration(OrganizationId=org_id, **extra)
        assert code_of(exc) == "InvalidParameterException"
    assert PASSWORD not in server.log()


def test_lambda_providers_without_and_with_a_local_stand_in(workmail, org_id, provider, tmp_path) -> None:
    no_runtime = workmail.test_availability_configuration(OrganizationId=org_id,
                                                          LambdaProvider={"LambdaArn": LAMBDA_ARN})
    assert no_runtime["TestPassed"] is False and "no Lambda runtime" in no_runtime["FailureReason"]
    mapping = f"{LAMBDA_ARN}={provider.url}/lambda"
    with LocalServer(data_dir=tmp_path / "data", extra_args=["--availability-lambda-endpoints", mapping]) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="cap")["OrganizationId"]
        wm.create_availability_configuration(OrganizationId=org, DomainName="ext.example.com",
                                             LambdaProvider={"LambdaArn": LAMBDA_ARN})
        before = len(provider.requests)
        result = wm.test_availability_configuration(OrganizationId=org, DomainName="ext.example.com")
        assert result["TestPassed"] is True and "FailureReason" not in result
        path, headers, body = provider.requests[before]
        request = json.loads(body)
        assert path == "/lambda" and headers["Content-Type"] == "application/json"
        assert request["requester"]["organization"] == org and request["requester"]["email"].endswith("@cap.awsapps.com")
        assert request["mailboxes"] == ["availability-test@ext.example.com"]
        assert request["window"]["startDate"] < request["window"]["endDate"]


def test_the_password_is_sealed_at_rest_and_survives_a_restart(tmp_path, provider) -> None:
    data = tmp_path / "data"
    endpoint = provider.url + "/EWS/Exchange.asmx"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="sealed")["OrganizationId"]
        wm.create_availability_configuration(OrganizationId=org, DomainName="p.example.com", EwsProvider=ews(endpoint))
        listed = wm.list_availability_configurations(OrganizationId=org)["AvailabilityConfigurations"]
    with sqlite3.connect(data / "workmail-local.sqlite3") as db:
        stored = db.execute("SELECT ews_password FROM availability_configurations").fetchone()[0]
    assert stored.startswith("sealed1:") and PASSWORD not in stored
    assert PASSWORD.encode() not in (data / "workmail-local.sqlite3").read_bytes()
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        assert wm.list_availability_configurations(OrganizationId=org)["AvailabilityConfigurations"] == listed
        assert wm.test_availability_configuration(OrganizationId=org, DomainName="p.example.com")["TestPassed"] is True
        wm.delete_organization(OrganizationId=org, DeleteDirectory=True, ForceDelete=True)
    with sqlite3.connect(data / "workmail-local.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM availability_configurations").fetchone() == (0,)


CALLS = {
    "Create": lambda c, o: c.create_availability_configuration(OrganizationId=o, DomainName="x.example.com",
                                                               LambdaProvider={"LambdaArn": LAMBDA_ARN}),
    "Update": lambda c, o: c.update_availability_configuration(OrganizationId=o, DomainName="x.example.com",
                                                               LambdaProvider={"LambdaArn": LAMBDA_ARN}),
    "Delete": lambda c, o: c.delete_availability_configuration(OrganizationId=o, DomainName="x.example.com"),
    "List": lambda c, o: c.list_availability_configurations(OrganizationId=o),
    "Test": lambda c, o: c.test_availability_configuration(OrganizationId=o, LambdaProvider={"LambdaArn": LAMBDA_ARN}),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation: str) -> None:
    check_organization_errors(workmail, server, org_id, CALLS[operation])
