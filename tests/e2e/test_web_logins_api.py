"""Plain HTTP: the login activity as JSON (GET /_workmail-local/mailbox/logins), the
history bound, restarts; the pages' headers and cookies; GET / for a browser while the
AWS pipeline (POST /) stays as it was."""

from __future__ import annotations

import http.client
import urllib.parse

from tests.e2e.world import DIRECTORY_PASSWORD, build_world
from workmail_local.testing import LocalServer

KEYS = {"Time", "OrganizationId", "UserId", "Username", "Protocol", "SourceIp", "Method", "Result", "Reason"}


def _logins(server, **query) -> tuple[int, dict]:  # noqa: ANN001
    return server.control("GET", "/mailbox/logins?" + urllib.parse.urlencode(query))


def _get(server, path: str, headers: dict | None = None) -> http.client.HTTPResponse:  # noqa: ANN001
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port))
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_every_attempt_is_recorded_newest_first_with_exactly_the_pinned_members(server) -> None:
    world = build_world(server)
    world.session()
    token = world.token()
    world.authenticate(token)
    world.authenticate("Wrong-Pass-1", protocol="SMTP")
    status, body = server.control("POST", "/mailbox/authenticate", {
        "Username": "ann", "Secret": DIRECTORY_PASSWORD, "Protocol": "EWS", "OrganizationId": world.org_id,
        "SourceIp": "192.0.2.7"})
    assert status == 200 and body["Authenticated"]
    world.authenticate(DIRECTORY_PASSWORD, username="ghost@nowhere.example")
    status, body = _logins(server)
    assert status == 200 and body["NextToken"] is None
    assert all(set(login) == KEYS for login in body["Logins"])
    assert [(x["Username"], x["Protocol"], x["Method"], x["Result"], x["Reason"], x["SourceIp"])
            for x in body["Logins"]] == [
        ("ghost@nowhere.example", "IMAP", None, "REFUSED", "UNKNOWN_USER", None),
        ("ann", "EWS", "DIRECTORY_PASSWORD", "ALLOWED", None, "192.0.2.7"),
        (world.email, "SMTP", "DIRECTORY_PASSWORD", "REFUSED", "INVALID_CREDENTIALS", None),
        (world.email, "IMAP", "PERSONAL_ACCESS_TOKEN", "ALLOWED", None, None),
    ]
    first = body["Logins"][-1]
    assert first["OrganizationId"] == world.org_id and first["UserId"] == world.user_id
    assert body["Logins"][0]["OrganizationId"] is None and body["Logins"][0]["UserId"] is None
    times = [x["Time"] for x in body["Logins"]]
    assert times == sorted(times, reverse=True)
    # No secret is recorded.
    assert token not in str(body) and DIRECTORY_PASSWORD not in str(body)


def test_filters_and_pages(server) -> None:
    world = build_world(server)
    other = world.workmail.create_organization(Alias="other")["OrganizationId"]
    for n in range(5):
        world.authenticate(DIRECTORY_PASSWORD if n % 2 == 0 else f"Wrong-{n}-Pass")
    server.control("POST", "/mailbox/authenticate", {"Username": "x", "Secret": "y", "Protocol": "IMAP",
                                                     "OrganizationId": other})
    assert len(_logins(server)[1]["Logins"]) == 6
    assert len(_logins(server, OrganizationId=world.org_id)[1]["Logins"]) == 5
    assert [x["OrganizationId"] for x in _logins(server, OrganizationId=other)[1]["Logins"]] == [other]
    assert len(_logins(server, UserId=world.user_id)[1]["Logins"]) == 5
    assert {x["Result"] for x in _logins(server, Result="REFUSED")[1]["Logins"]} == {"REFUSED"}
    assert len(_logins(server, Result="ALLOWED", OrganizationId=world.org_id)[1]["Logins"]) == 3

    seen, token, pages = [], None, 0
    while True:
        query = {"OrganizationId": world.org_id, "MaxResults": 2, **({"NextToken": token} if token else {})}
        status, body = _logins(server, **query)
        assert status == 200
        seen += body["Logins"]
        pages += 1
        token = body["NextToken"]
        if token is None:
            break
    assert pages == 3 and seen == _logins(server, OrganizationId=world.org_id)[1]["Logins"]
    # A token is bound to its filters.
    token = _logins(server, OrganizationId=world.org_id, MaxResults=2)[1]["NextToken"]
    status, body = _logins(server, OrganizationId=other, MaxResults=2, NextToken=token)
    assert status == 400 and body["__type"] == "ValidationException"


def test_bad_parameters_are_refused(server) -> None:
    for query, text in (({"Result": "MAYBE"}, "Result must be ALLOWED or REFUSED"),
                        ({"MaxResults": "0"}, "MaxResults must be a whole number from 1 to 1000"),
                        ({"MaxResults": "abc"}, "MaxResults must be"),
                        ({"NextToken": "garbage"}, "NextToken is invalid")):
        status, body = _logins(server, **query)
        assert status == 400, body
        assert body["__type"] == "ValidationException" and text in body["message"]


def test_impersonated_logins_are_recorded(server) -> None:
    world = build_world(server, configure=False)
    status, body = server.control("POST", "/mailbox/authenticate", {
        "Protocol": "EWS", "ImpersonationToken": "not-a-token", "TargetUser": "ann"})
    assert status == 200 and body["Reason"] == "INVALID_IMPERSONATION_TOKEN"
    [login] = _logins(server)[1]["Logins"]
    assert (login["Username"], login["Protocol"], login["Method"], login["Result"], login["Reason"]) == (
        "ann", "EWS", "IMPERSONATION_ROLE", "REFUSED", "INVALID_IMPERSONATION_TOKEN")
    assert world.org_id


def test_history_is_bounded_per_organization_and_survives_a_restart(data_dir) -> None:  # noqa: ANN001
    server = LocalServer(data_dir=data_dir, extra_args=["--login-history", "3"])
    server.start()
    try:
        world = build_world(server, configure=False)
        other = world.workmail.create_organization(Alias="other")["OrganizationId"]
        for n in range(5):
            world.authenticate(f"Wrong-{n}-Pass")
        server.control("POST", "/mailbox/authenticate", {"Username": "x", "Secret": "y", "Protocol": "IMAP",
                                                         "OrganizationId": other})
        kept = _logins(server, OrganizationId=world.org_id)[1]["Logins"]
        assert len(kept) == 3
        assert len(_logins(server, OrganizationId=other)[1]["Logins"]) == 1
    finally:
        server.stop()
    server.start()
    try:
        assert _logins(server, OrganizationId=world.org_id)[1]["Logins"] == kept
    finally:
        server.stop()


def test_a_bad_login_history_setting_stops_start_up(data_dir) -> None:  # noqa: ANN001
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "workmail_local", "serve", "--in-memory", "--login-history", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--login-history must be a whole number of logins, 1 or more; got '0'" in result.stderr


def test_pages_carry_a_content_security_policy_and_safe_cookies(server) -> None:
    build_world(server)
    response = _get(server, "/mail/acme")
    assert response.status == 200
    assert response.getheader("content-type") == "text/html; charset=utf-8"
    csp = response.getheader("content-security-policy")
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.getheader("cache-control") == "no-store"
    cookie = response.getheader("set-cookie")
    assert cookie.startswith("wml_csrf=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over TLS the cookie is Secure
    assert b'name="csrf_token"' in response.body


def test_get_slash_is_a_page_for_a_browser_and_the_aws_pipeline_is_unchanged(server, workmail) -> None:
    page = _get(server, "/", {"Accept": "text/html,application/xhtml+xml"})
    assert page.status == 200 and b"/_workmail-local/console" in page.body
    api = _get(server, "/")
    assert api.status == 400 and api.getheader("content-type") == "application/x-amz-json-1.1"
    assert workmail.list_organizations()["OrganizationSummaries"] == []


def test_unknown_pages_and_static_files(server) -> None:
    assert _get(server, "/mail/acme/nothing/here").status == 404
    assert _get(server, "/_workmail-local/static/style.css").status == 200
    assert _get(server, "/_workmail-local/static/../app.py").status == 404
