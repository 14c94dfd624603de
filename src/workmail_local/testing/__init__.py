"""Test helpers: the real server as a subprocess on a free loopback port, and clients for
it — or, faster, the same application in-process behind botocore.

    with LocalServer(data_dir=tmp) as server:          # a real server, real HTTP
        wm = server.client("workmail")
        wm.create_organization(Alias="acme")

    with mock_workmail() as local:                     # no server, no socket
        wm = boto3.client("workmail", region_name="us-east-1")
        wm.create_organization(Alias="acme")
        local.control("POST", "/clock", {"advance_seconds": 60})

Used by this project's tests; usable by anyone who wants WorkMail Local in a pytest run.
The server side is :mod:`workmail_local.testing.server`, the in-process side
:mod:`workmail_local.testing.mock`; every name is importable from here.
"""

from __future__ import annotations

from workmail_local.testing.mock import InProcessWorkMail, _before_send, mock_workmail
from workmail_local.testing.server import DEFAULT_TEST_ACCOUNT, LocalServer, signed_headers

__all__ = [
    "DEFAULT_TEST_ACCOUNT",
    "InProcessWorkMail",
    "LocalServer",
    "_before_send",
    "mock_workmail",
    "signed_headers",
]
