"""``--auth enforce`` covers the control API's admin endpoints: SigV4-signed (signing name
``workmail``) with a key from the credentials file, acting in that key's account only;
the user-side endpoints keep their own credentials."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_auth_enforce import (
    ADMIN_ACCOUNT,
    ADMIN_KEY,
    ADMIN_SECRET,
    CREDENTIALS,
    OTHER_ACCOUNT,
    OTHER_KEY,
    OTHER_SECRET,
)
from workmail_local.protocol.sigv4 import SIGNATURE_MISMATCH
from workmail_local.testing import LocalServer, signed_headers

ADMIN = (ADMIN_KEY, ADMIN_SECRET)
OTHER = (OTHER_KEY, OTHER_SECRET)
ADMIN_ROUTES = [
    ("/reset", {}),
    ("/clock", {"advance_seconds": 1}),
    ("/directories", {"Alias": "corp"}),
    ("/identitycenter/password", {"IdentityStoreId": "d-0000000000", "UserId": "u", "Password": "Long-Password-1"}),
    ("/identitycenter/mfa", {"IdentityStoreId": "d-0000000000", "UserId": "u"}),
]


@pytest.fixture(scope="module")
def enforcing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    path = tmp_path_factory.mktemp("auth") / "credentials"
    path.write_text(CREDENTIALS)
    with LocalServer(in_memory=True, extra_args=["--auth", "enforce", "--credentials-file", str(path)]) as server:
        assert server.control_key == ADMIN  # the helper signs with the file's first key
        yield server


@pytest.fixture
def enforcing(enforcing_server: LocalServer) -> LocalServer:
    enforcing_server.reset()  # signed by the helper
    return enforcing_server


def send(server: LocalServer, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("POST", "/_workmail-local" + path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def signed(server: LocalServer, path: str, body: dict[str, Any], key: tuple[str, str] = ADMIN,
           service: str = "workmail", tamper: bool = False) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    headers = signed_headers("POST", server.url + "/_workmail-local" + path, data,
                             {"Content-Type": "application/json"}, key, service=service)
    return send(server, path, data + (b" " if tamper else b""), headers)


def _organizations(server: LocalServer, key: tuple[str, str]) -> list[str]:
    import boto3

    wm = boto3.client("workmail", endpoint_url=server.url, region_name="us-east-1",
                      aws_access_key_id=key[0], aws_secret_access_key=key[1])
    return [o["Alias"] for o in wm.list_organizations()["OrganizationSummaries"]]


def _create_org(server: LocalServer, key: tuple[str, str], alias: str) -> None:
    import boto3

    wm = boto3.client("workmail", endpoint_url=server.url, region_name="us-east-1",
                      aws_access_key_id=key[0], aws_secret_access_key=key[1])
    wm.create_organization(Alias=alias)


@pytest.mark.parametrize("path, body", ADMIN_ROUTES)
def test_unsigned_admin_calls_are_refused(enforcing: LocalServer, path: str, body: dict[str, Any]) -> None:
    status, answer = enforcing.control("POST", path, {**body, "AccountId": ADMIN_ACCOUNT}, signed=False)
    assert (status, answer) == (400, {"__type": "MissingAuthenticationTokenException",
                                      "message": "Missing Authentication Token"})


def test_an_unsigned_reset_wipes_nothing(enforcing: LocalServer) -> None:
    _create_org(enforcing, ADMIN, "kept")
    assert enforcing.control("POST", "/reset", signed=False)[0] == 400
    assert _organizations(enforcing, ADMIN) == ["kept"]
    assert enforcing.control("POST", "/reset")[0] == 200  # signed
    assert _organizations(enforcing, ADMIN) == []


@pytest.mark.parametrize("path, body", ADMIN_ROUTES)
def test_bad_signatures_are_refused(enforcing: LocalServer, path: str, body: dict[str, Any]) -> None:
    wrong_secret = signed(enforcing, path, body, key=(ADMIN_KEY, "not-the-secret"))
    tampered = signed(enforcing, path, body, tamper=True)
    for status, answer in (wrong_secret, tampered):
        assert (status, answer) == (400, {"__type": "InvalidSignatureException", "message": SIGNATURE_MISMATCH})
    status, answer = signed(enforcing, path, body, service="sso")
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")
    assert "Credential should be scoped to correct service: 'workmail'." in answer["message"]
    status, answer = signed(enforcing, path, body, key=("AKIAUNKNOWN000000000", "x"))
    assert (status, answer["__type"]) == (400, "UnrecognizedClientException")


def test_a_signed_call_acts_in_the_keys_account_only(enforcing: LocalServer) -> None:
    status, body = signed(enforcing, "/directories", {"Alias": "corp"}, key=OTHER)
    assert status == 200 and body["AccountId"] == OTHER_ACCOUNT
    status, body = signed(enforcing, "/directories", {"Alias": "corp2", "AccountId": OTHER_ACCOUNT,
                                                      "Region": "eu-west-1"}, key=OTHER)
    assert status == 200 and (body["AccountId"], body["Region"]) == (OTHER_ACCOUNT, "eu-west-1")
    for path, base in ADMIN_ROUTES:
        status, answer = signed(enforcing, path, {**base, "AccountId": ADMIN_ACCOUNT}, key=OTHER)
        assert status == 403 and answer["__type"] == "AccessDeniedException", path
        assert OTHER_ACCOUNT in answer["message"] and ADMIN_ACCOUNT in answer["message"]


def test_another_accounts_identity_store_is_out_of_reach(enforcing: LocalServer) -> None:
    import boto3

    ids = boto3.client("identitystore", endpoint_url=enforcing.url, region_name="us-east-1",
                       aws_access_key_id=ADMIN_KEY, aws_secret_access_key=ADMIN_SECRET)
    store = ids.list_identity_stores()["IdentityStores"][0]["IdentityStoreId"]
    user = ids.create_user(IdentityStoreId=store, UserName="ann", DisplayName="Ann",
                           Name={"GivenName": "Ann", "FamilyName": "Example"})["UserId"]
    body = {"IdentityStoreId": store, "UserId": user, "Password": "Long-Password-1"}
    assert signed(enforcing, "/identitycenter/password", body, key=OTHER)[0] == 404  # not in OTHER's account
    assert signed(enforcing, "/identitycenter/password", body)[0] == 200
    # The user-side sign-in needs no signature: the password is its credential.
    status, session = enforcing.control("POST", "/identitycenter/signin", {
        "AccountId": ADMIN_ACCOUNT, "IdentityStoreId": store, "UserName": "ann", "Password": "Long-Password-1"},
        signed=False)
    assert status == 200 and session["SessionToken"]


def test_user_side_endpoints_need_no_signature(enforcing: LocalServer) -> None:
    assert enforcing.control("GET", "/health", signed=False)[0] == 200
    assert enforcing.control("GET", "/clock", signed=False)[0] == 200
    status, body = enforcing.control("POST", "/mailbox/authenticate",
                                     {"Username": "a@b.c", "Secret": "s", "Protocol": "IMAP"}, signed=False)
    assert status == 200 and body == {"Authenticated": False, "Reason": "UNKNOWN_USER"}
    status, body = enforcing.control("POST", "/workmail/personal-access-tokens",
                                     {"SessionToken": "nope", "OrganizationId": "m-x", "Name": "n"}, signed=False)
    assert status == 401 and body["__type"] == "AuthenticationFailed"


def test_open_mode_keeps_the_control_api_unsigned(server: LocalServer) -> None:
    assert server.control_key is None
    assert server.control("POST", "/clock", {"advance_seconds": 5})[0] == 200
    assert server.control("POST", "/reset")[0] == 200
