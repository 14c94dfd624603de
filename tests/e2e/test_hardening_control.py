"""The control API checks its own input (400, never 500), the request log cannot be
forged, the clock refuses absurd moves and can be set directly, HEAD health answers."""

from __future__ import annotations

import http.client
import json
import math
import time
from urllib.parse import urlsplit

import pytest

from workmail_local.testing import LocalServer

ENDPOINTS = {
    "/directories": {"Alias": "corp"},
    "/identitycenter/password": {"IdentityStoreId": "d-0000000000", "UserId": "u", "Password": "Long-Password-1"},
    "/identitycenter/mfa": {"IdentityStoreId": "d-0000000000", "UserId": "u"},
    "/identitycenter/signin": {"IdentityStoreId": "d-0000000000", "UserName": "ann", "Password": "x"},
    "/workmail/personal-access-tokens": {"SessionToken": "s", "OrganizationId": "m-x", "Name": "n"},
    "/mailbox/authenticate": {"Username": "a@b.c", "Secret": "s", "Protocol": "IMAP"},
}
BAD_ACCOUNTS = [[1], {"a": 1}, 5, 123456789012, "abc", "12345678901", "1234567890123", "", True,
                "12345678901\n"]
BAD_REGIONS = [{"a": 1}, [1], 5, "", "us-east", "US-EAST-1", "us_east_1", "x" * 300, "us-east-1\nforged"]


def _problem(server: LocalServer, path: str, body: dict) -> tuple[int, dict]:
    status, answer = server.control("POST", path, body)
    assert status < 500, (path, body, answer)
    return status, answer


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_a_bad_account_id_is_400_on_every_endpoint(server: LocalServer, path: str) -> None:
    for account in BAD_ACCOUNTS:
        status, answer = _problem(server, path, {**ENDPOINTS[path], "AccountId": account})
        assert (status, answer["__type"]) == (400, "ValidationException"), (account, answer)
        assert answer["message"].startswith("AccountId must be a string of 12 digits")


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_a_bad_region_is_400_on_every_endpoint(server: LocalServer, path: str) -> None:
    for region in BAD_REGIONS:
        status, answer = _problem(server, path, {**ENDPOINTS[path], "AccountId": "123456789012", "Region": region})
        assert (status, answer["__type"]) == (400, "ValidationException"), (region, answer)
        assert answer["message"].startswith("Region must be an AWS region name")


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_every_member_of_the_wrong_type_is_400(server: LocalServer, path: str) -> None:
    for name in ENDPOINTS[path]:
        for wrong in ([1], {"a": 1}, 5, True):
            status, answer = _problem(server, path, {**ENDPOINTS[path], name: wrong})
            assert status == 400 and answer["__type"] == "ValidationException", (name, wrong, answer)


def test_good_account_and_region_are_used(server: LocalServer) -> None:
    status, body = server.control("POST", "/directories",
                                  {"Alias": "corp", "AccountId": "111122223333", "Region": "us-gov-west-1"})
    assert status == 200 and (body["AccountId"], body["Region"]) == ("111122223333", "us-gov-west-1")


def test_control_characters_are_escaped_in_the_request_log(server: LocalServer) -> None:
    forged = "2026-01-01 00:00:00 ListOrganizations account=999999999999 status=200"
    server.control("POST", "/identitycenter/signin", {"AccountId": f"123456789012\n{forged}"})
    server.raw(f"WorkMailService.Nope\x85{forged}", {}, account="123456789012")
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    # A region in the SigV4 header, on the AWS path and the control path (HTTP allows a
    # tab and bytes 0x80-0xff in a header; 0x85 is NEL, a line break to some log readers).
    header = f"AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1\t\x85{forged}/workmail/aws4_request, " \
             "SignedHeaders=host, Signature=0"
    for path in ("/", "/_workmail-local/health"):
        conn.request("GET" if path != "/" else "POST", path, body=b"{}", headers={"Authorization": header})
        conn.getresponse().read()
    conn.close()
    lines = server.log().splitlines()
    assert not [line for line in lines if line.startswith(forged)]
    assert any("Nope\\x852026-01-01\\x2000:00:00\\x20ListOrganizations" in line for line in lines)
    assert any("region=eu-west-1\\x09\\x852026-01-01\\x2000:00:00\\x20" in line for line in lines)


def test_the_clock_refuses_absurd_advances(server: LocalServer) -> None:
    century = 100 * 365.25 * 86400
    for seconds in (1e300, century + 1, -1, -1e-9):
        status, body = server.control("POST", "/clock", {"advance_seconds": seconds})
        assert status == 400 and body["__type"] == "ValidationException", seconds
        assert "100 years" in body["message"]
    # Non-finite numbers are not JSON; sent anyway (as Python writes them) they are refused.
    for raw in (b'{"advance_seconds": Infinity}', b'{"advance_seconds": NaN}', b'{"advance_seconds": 1e999}'):
        parts = urlsplit(server.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request("POST", "/_workmail-local/clock", body=raw)
        response = conn.getresponse()
        assert response.status == 400, raw
        assert json.loads(response.read())["__type"] in ("SerializationException", "ValidationException")
        conn.close()
    assert server.control("POST", "/clock", {"advance_seconds": century - 10})[0] == 200
    # Advances add up, and their sum is bounded too.
    status, body = server.control("POST", "/clock", {"advance_seconds": 20})
    assert status == 400 and "100 years" in body["message"]
    assert server.control("GET", "/clock")[1]["offset_seconds"] == century - 10


def test_offset_seconds_sets_the_clock_and_keeps_the_data(server: LocalServer, workmail) -> None:
    org_id = workmail.create_organization(Alias="kept")["OrganizationId"]
    assert server.control("POST", "/clock", {"advance_seconds": 7200})[1]["offset_seconds"] == 7200
    status, body = server.control("POST", "/clock", {"offset_seconds": 3600})
    assert status == 200 and body["offset_seconds"] == 3600
    assert math.isclose(body["now"], time.time() + 3600, abs_tol=60)
    status, body = server.control("POST", "/clock", {"offset_seconds": 0})
    assert status == 200 and body["offset_seconds"] == 0
    assert workmail.describe_organization(OrganizationId=org_id)["State"] == "Active"
    for bad in ({"offset_seconds": -1}, {"offset_seconds": 1e300}, {"offset_seconds": "0"},
                {"offset_seconds": 0, "advance_seconds": 1}):
        status, answer = server.control("POST", "/clock", bad)
        assert status == 400 and answer["__type"] == "ValidationException", bad


def test_head_health_answers_like_get_without_a_body(server: LocalServer) -> None:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/_workmail-local/health")
    get = conn.getresponse()
    get_body = get.read()
    conn.request("HEAD", "/_workmail-local/health")
    head = conn.getresponse()
    assert head.status == get.status == 200
    assert head.read() == b""
    assert head.getheader("content-type") == "application/json"
    assert int(head.getheader("content-length")) == len(get_body)
    conn.close()
