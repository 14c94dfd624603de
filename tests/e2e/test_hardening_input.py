"""Bounded input: bodies over ``--max-request-bytes`` answer 413 before they are read;
reading is linear; validation messages quote a long value by its first 256 characters."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from workmail_local.testing import LocalServer

LIMIT = 64 * 1024
TARGET = "WorkMailService.DescribeOrganization"


@pytest.fixture(scope="module")
def small_limit() -> Iterator[LocalServer]:
    with LocalServer(in_memory=True, extra_args=["--max-request-bytes", str(LIMIT)]) as server:
        yield server


def _connect(server: LocalServer) -> socket.socket:
    parts = urlsplit(server.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _response(sock: socket.socket) -> tuple[int, dict[str, str], dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed without a response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(rest) < int(headers["content-length"]):
        rest += sock.recv(65536)
    return int(lines[0].split()[1]), headers, json.loads(rest)


def _head(target: str, extra: str) -> bytes:
    return (f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
            f"X-Amz-Target: {target}\r\n{extra}\r\n").encode()


def test_a_20_mb_declared_body_is_refused_before_it_is_sent(server: LocalServer) -> None:
    # The default limit (8 MiB): only the headers are sent, the answer comes anyway.
    with _connect(server) as sock:
        sock.sendall(_head(TARGET, f"Content-Length: {20 * 1024 * 1024}\r\n"))
        status, headers, body = _response(sock)
    assert status == 413
    assert headers["x-amzn-errortype"] == body["__type"] == "RequestEntityTooLargeException"
    assert headers["connection"] == "close" and "x-amzn-requestid" in headers
    assert "8388608 bytes" in body["message"] and "--max-request-bytes" in body["message"]


def test_a_chunked_body_is_counted_as_it_arrives(small_limit: LocalServer) -> None:
    with _connect(small_limit) as sock:
        sock.sendall(_head(TARGET, "Transfer-Encoding: chunked\r\n"))
        chunk = b"x" * 16384
        status = None
        # Keep sending until the server answers: it must do so soon after the limit,
        # without waiting for the end of the body (which never comes).
        for _ in range(LIMIT // len(chunk) + 8):
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.01)
        status, _, body = _response(sock)
    assert status == 413 and body["__type"] == "RequestEntityTooLargeException"


def test_the_control_api_has_the_same_limit(small_limit: LocalServer) -> None:
    with _connect(small_limit) as sock:
        sock.sendall(f"POST /_workmail-local/clock HTTP/1.1\r\nHost: x\r\nContent-Length: {LIMIT + 1}\r\n\r\n"
                     .encode())
        status, headers, body = _response(sock)
    assert status == 413 and headers["content-type"] == "application/json"
    assert body["__type"] == "RequestEntityTooLargeException"


def test_a_body_at_the_limit_is_read_and_validated(small_limit: LocalServer) -> None:
    # Exactly LIMIT bytes, in a JSON document: read whole, then validated like any other.
    padding = LIMIT - len(json.dumps({"OrganizationId": ""}))
    status, _, body = small_limit.raw(TARGET, json.dumps({"OrganizationId": "m" * padding}).encode())
    assert status == 400 and body["__type"] == "InvalidParameterException"
    too_long = json.dumps({"OrganizationId": "m" * (padding + 1)}).encode()
    assert small_limit.raw(TARGET, too_long)[0] == 413


def test_a_long_value_is_quoted_by_its_first_256_characters(server: LocalServer) -> None:
    value = "m-" + "a" * 2_000_000  # a 2 MB OrganizationId, two violated constraints
    status, _, body = server.raw(TARGET, {"OrganizationId": value})
    assert status == 400
    message = body["message"]
    assert message.startswith("2 validation errors detected: ")
    assert len(message) < 1500
    quoted = f"Value '{value[:256]}…' (2000002 characters) at 'organizationId' failed to satisfy constraint: "
    assert message.count(quoted) == 2
    assert quoted + "Member must have length less than or equal to 34" in message
    assert quoted + "Member must satisfy regular expression pattern: ^m-[0-9a-f]{32}$" in message


def test_a_long_sensitive_value_stays_hidden(server: LocalServer, org_id: str) -> None:
    status, _, body = server.raw("WorkMailService.CreateUser", {
        "OrganizationId": org_id, "Name": "ann", "DisplayName": "Ann", "Password": "P" * 100_000})
    assert status == 400
    assert "'***' at 'password'" in body["message"] and "PPPP" not in body["message"]
