"""Fixtures the unit tests share: a PostgreSQL store in a schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

DATABASE_URL = os.environ.get("WORKMAIL_LOCAL_TEST_DATABASE_URL", "")


@pytest.fixture
def url() -> Iterator[str]:
    """The test database with a fresh schema of its own as the search path; dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    if not DATABASE_URL:
        if os.environ.get("CI"):
            pytest.fail("WORKMAIL_LOCAL_TEST_DATABASE_URL must be set in CI")
        pytest.skip("WORKMAIL_LOCAL_TEST_DATABASE_URL is not set")
    schema = f"unit_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in DATABASE_URL else "?"
    yield f"{DATABASE_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(url: str) -> Iterator[Any]:
    """A PostgreSQL store on the test schema."""
    from workmail_local.store.postgres import PostgresStore

    store = PostgresStore(url)
    yield store
    store.close()
