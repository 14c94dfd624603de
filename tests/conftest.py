"""Shared fixtures: one live server for the session, wiped before each test that uses it.

The suite runs on SQLite. ``WORKMAIL_LOCAL_TEST_SUITE_ON_POSTGRES=1`` (with
``WORKMAIL_LOCAL_TEST_DATABASE_URL``) puts the shared live server on that PostgreSQL
database instead, to run every end-to-end test against it; tests that start their own
servers on a data directory stay on SQLite. Every server and mock runs with strict output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from workmail_local.testing import LocalServer

# Strict output for every server and mock the suite starts (they inherit the environment):
# a handler result with a key its output shape lacks, or without a required member, is a 500.
os.environ["WORKMAIL_LOCAL_STRICT_OUTPUT"] = "1"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The real server (SQLite in a temporary data dir) on a free loopback port."""
    database_url = os.environ.get("WORKMAIL_LOCAL_TEST_DATABASE_URL")
    if database_url and os.environ.get("WORKMAIL_LOCAL_TEST_SUITE_ON_POSTGRES") == "1":
        server = LocalServer(database_url=database_url)
    else:
        server = LocalServer(data_dir=tmp_path_factory.mktemp("data"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(live_server: LocalServer) -> LocalServer:
    """The live server with all state wiped and the clock back to real time."""
    live_server.reset()
    return live_server


@pytest.fixture
def workmail(server: LocalServer):  # noqa: ANN201 - a boto3 client
    """A boto3 WorkMail client for account 123456789012 in us-east-1."""
    return server.client("workmail")


@pytest.fixture
def org_id(workmail) -> str:  # noqa: ANN001
    """An Active organization (alias ``acme``) of the default test account."""
    return workmail.create_organization(Alias="acme")["OrganizationId"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def instance_arn(server: LocalServer) -> str:
    """The default test account's IdC instance (us-east-1), created on first use."""
    return server.client("sso-admin").list_instances()["Instances"][0]["InstanceArn"]
