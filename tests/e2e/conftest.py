"""Fixtures of the identitystore end-to-end tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import store_of
from workmail_local.testing import LocalServer


@pytest.fixture
def ids(server: LocalServer) -> Any:
    """A boto3 identitystore client for the default test account."""
    return server.client("identitystore")


@pytest.fixture
def store(ids: Any) -> str:
    """The default test account's identity store ID (us-east-1)."""
    return store_of(ids)
