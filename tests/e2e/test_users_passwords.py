"""Directory passwords end to end (CreateUser's Password, ResetPassword), what is stored
of them, and users surviving a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of
from tests.e2e.test_users import create
from workmail_local.mailbox_auth.passwords import verify_password
from workmail_local.testing import LocalServer

POLICY_MESSAGE = ("The password does not meet the password policy: at least 8 characters, and at least 3 of: "
                  "uppercase letters, lowercase letters, digits, symbols.")


def stored_hash(data_dir: Path | None, user_id: str) -> str | None:
    if data_dir is None:  # WORKMAIL_LOCAL_TEST_SUITE_ON_POSTGRES: no database file to read
        pytest.skip("reads the server's SQLite file; the suite's server is on PostgreSQL")
    with sqlite3.connect(data_dir / "workmail-local.sqlite3") as db:
        return db.execute("SELECT password_hash FROM users WHERE id = ?", (user_id,)).fetchone()[0]


def database_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("workmail-local.sqlite3*")))


@pytest.mark.parametrize("password", ["Sh0rt!x", "lowercase1only", "UPPERCASE!ONLY", "abcdEFGHijkl", "12345678!?",
                                      "        a"])
def test_weak_passwords_are_refused(workmail, org_id, password) -> None:
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "bob", Password=password)
    assert error_of(exc) == ("InvalidPasswordException", POLICY_MESSAGE)
    assert workmail.list_users(OrganizationId=org_id)["Users"] == []


@pytest.mark.parametrize("password", ["abcdEFG1", "abcd123!", "ABCD123!", "Ab !efgh", "Ünïcödé-1"])
def test_strong_passwords_are_accepted(workmail, server, org_id, password) -> None:
    user_id = create(workmail, org_id, "bob", Password=password)
    check = verify_password(stored_hash(server.data_dir, user_id), password)
    assert check.ok and check.new_hash is None
    assert not verify_password(stored_hash(server.data_dir, user_id), password.swapcase()).ok


def test_a_user_created_without_a_password_has_none(workmail, server, org_id) -> None:
    user_id = create(workmail, org_id, "bob")
    assert stored_hash(server.data_dir, user_id) is None


def test_reset_password(workmail, server, org_id) -> None:
    user_id = create(workmail, org_id, "bob", Password="First-pass-1")
    workmail.reset_password(OrganizationId=org_id, UserId=user_id, Password="Second-pass-2")  # DISABLED
    assert verify_password(stored_hash(server.data_dir, user_id), "Second-pass-2").ok
    assert not verify_password(stored_hash(server.data_dir, user_id), "First-pass-1").ok
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@acme.awsapps.com")
    workmail.reset_password(OrganizationId=org_id, UserId=user_id.upper(), Password="Third-pass-3")  # ENABLED
    assert verify_password(stored_hash(server.data_dir, user_id), "Third-pass-3").ok


def test_reset_password_errors(workmail, server, org_id) -> None:
    user_id = create(workmail, org_id, "bob", Password="First-pass-1")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@acme.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.reset_password(OrganizationId=org_id, UserId=user_id, Password="weakpassword")
    assert error_of(exc) == ("InvalidPasswordException", POLICY_MESSAGE)
    # ResetPassword takes a user ID only: not a name, not an address.
    for other in ("bob@acme.awsapps.com", "bob-the-builder", "12345678-1234-1234-1234-123456789012"):
        with pytest.raises(ClientError) as exc:
            workmail.reset_password(OrganizationId=org_id, UserId=other, Password="Second-pass-2")
        assert error_of(exc) == ("EntityNotFoundException", f"The user {other} was not found in organization {org_id}.")
    assert verify_password(stored_hash(server.data_dir, user_id), "First-pass-1").ok

    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=user_id)
    workmail.delete_user(OrganizationId=org_id, UserId=user_id)
    assert stored_hash(server.data_dir, user_id) is None  # a deleted user keeps no secret
    with pytest.raises(ClientError) as exc:
        workmail.reset_password(OrganizationId=org_id, UserId=user_id, Password="Second-pass-2")
    assert error_of(exc) == ("EntityStateException", f"The user {user_id} is DELETED.")


def test_passwords_are_never_echoed_stored_or_logged(workmail, server, org_id) -> None:
    secret = "Zebra-Quartz-7731"
    user_id = create(workmail, org_id, "bob", Password=secret)
    workmail.reset_password(OrganizationId=org_id, UserId=user_id, Password=secret + "x")
    assert stored_hash(server.data_dir, user_id).startswith("$argon2id$")
    # Validation messages hide the value of a sensitive member.
    for bad in ("Ā" * 10, "Zebra-" + "q" * 251):
        status, _, body = server.raw("WorkMailService.ResetPassword",
                                     {"OrganizationId": org_id, "UserId": user_id, "Password": bad})
        assert status == 400 and body["__type"] == "InvalidParameterException"
        assert "Value '***' at 'password'" in body["message"] and bad not in body["message"]
    status, _, body = server.raw("WorkMailService.ResetPassword", {"OrganizationId": org_id, "UserId": user_id})
    assert body["message"] == ("1 validation error detected: Value null at 'password' failed to satisfy "
                               "constraint: Member must not be null")
    described = workmail.describe_user(OrganizationId=org_id, UserId=user_id)
    assert secret not in str(described) and "Password" not in described
    assert secret.encode() not in database_bytes(server.data_dir)
    assert secret not in server.log()


def test_users_survive_a_restart(data_dir) -> None:
    with LocalServer(data_dir=data_dir) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="acme")["OrganizationId"]
        bob = create(wm, org_id, "bob", Password="Bob-pass-1",
                     IdentityProviderUserId="12345678-1234-1234-1234-123456789012")
        wm.update_user(OrganizationId=org_id, UserId=bob, City="Springfield", HiddenFromGlobalAddressList=True)
        wm.register_to_work_mail(OrganizationId=org_id, EntityId=bob, Email="bob@acme.awsapps.com")
        gone = create(wm, org_id, "gone")
        wm.delete_user(OrganizationId=org_id, UserId=gone)
        create(wm, org_id, "carol", Role="REMOTE_USER")
        before = {u: wm.describe_user(OrganizationId=org_id, UserId=u) for u in ("bob", gone, "carol")}
        listed = wm.list_users(OrganizationId=org_id)["Users"]
    with LocalServer(data_dir=data_dir) as server:
        wm = server.client("workmail")
        after = {u: wm.describe_user(OrganizationId=org_id, UserId=u) for u in ("bob", gone, "carol")}
        for user in (*before.values(), *after.values()):
            user.pop("ResponseMetadata")
        assert after == before
        assert after["bob"]["State"] == "ENABLED" and after[gone]["State"] == "DELETED"
        assert wm.list_users(OrganizationId=org_id)["Users"] == listed
        assert verify_password(stored_hash(data_dir, bob), "Bob-pass-1").ok
        # Rules hold across the restart too: the name and the address are still taken.
        with pytest.raises(ClientError) as exc:
            create(wm, org_id, "bob")
        assert error_of(exc)[0] == "NameAvailabilityException"
        carol = after["carol"]["UserId"]
        with pytest.raises(ClientError) as exc:
            wm.register_to_work_mail(OrganizationId=org_id, EntityId=carol, Email="bob@acme.awsapps.com")
        assert error_of(exc)[0] == "EmailAddressInUseException"
