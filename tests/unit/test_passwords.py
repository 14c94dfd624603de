"""The directory password policy and argon2id hashing (mailbox_auth.passwords)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from workmail_local.mailbox_auth import passwords
from workmail_local.mailbox_auth.passwords import hash_password, policy_violation, verify_password


@pytest.mark.parametrize("password", ["abcdEFG1", "abcd123!", "ABCD123!", "Ab !efgh", "ßÄÖ12345", "aB3" * 86])
def test_policy_accepts(password: str) -> None:
    assert policy_violation(password) is None


@pytest.mark.parametrize("password", ["", "aB3!aB3", "abcdefgh", "abcdefg1", "ABCDEFG!", "12345678", "!!!!!!!!",
                                      "        ", "abc     ", "ÄÖÜÄÖÜÄÖ1"])
def test_policy_refuses(password: str) -> None:
    problem = policy_violation(password)
    assert problem == (
        "The password does not meet the password policy: at least 8 characters, and at least 3 of: "
        "uppercase letters, lowercase letters, digits, symbols."
    )
    if password.strip():
        assert password not in problem


def test_hash_is_argon2id_with_the_documented_parameters_and_a_fresh_salt() -> None:
    first, second = hash_password("Correct-Horse-9"), hash_password("Correct-Horse-9")
    assert first != second  # salted
    assert first.startswith(f"$argon2id$v=19$m={passwords.MEMORY_COST_KIB},t={passwords.TIME_COST},"
                            f"p={passwords.PARALLELISM}$")
    assert "Correct-Horse-9" not in first


def test_verify() -> None:
    stored = hash_password("Correct-Horse-9")
    assert verify_password(stored, "Correct-Horse-9") == (True, None)
    assert verify_password(stored, "correct-horse-9") == (False, None)
    assert verify_password(stored, "") == (False, None)


def test_verify_without_a_password_or_with_a_broken_hash_fails() -> None:
    assert verify_password(None, "anything") == (False, None)
    assert verify_password(None, "workmail-local: no password is set") == (False, None)
    assert verify_password("not a hash", "anything") == (False, None)
    assert verify_password("$argon2id$v=19$m=1,t=1,p=1$broken", "anything") == (False, None)


def test_verify_hands_back_a_new_hash_when_parameters_changed() -> None:
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("Correct-Horse-9")
    check = verify_password(weaker, "Correct-Horse-9")
    assert check.ok and check.new_hash is not None
    assert check.new_hash.startswith(f"$argon2id$v=19$m={passwords.MEMORY_COST_KIB},")
    assert verify_password(check.new_hash, "Correct-Horse-9") == (True, None)
    # No new hash for a wrong password, whatever the parameters.
    assert verify_password(weaker, "Wrong-Horse-9") == (False, None)
