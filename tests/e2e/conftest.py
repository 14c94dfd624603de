"""Fixtures of the end-to-end tests: identitystore clients, and the mail rig (SMTP + Dovecot)."""

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


@pytest.fixture(scope="session")
def mail_rig_session() -> Any:
    """One SMTP-serving WorkMail Local with its Dovecot (IMAPS + LMTP) for every mail test."""
    from tests.e2e.dovecot_rig import MailRig, require_dovecot

    require_dovecot(lmtp=True)
    rig = MailRig()
    yield rig
    rig.stop()


@pytest.fixture
def mail_rig(mail_rig_session: Any) -> Any:
    """The mail rig with its server's state wiped."""
    mail_rig_session.server.reset()
    return mail_rig_session
