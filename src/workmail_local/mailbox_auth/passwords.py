"""Directory passwords: the policy a new password must meet, and argon2id hashing.

Hashing parameters: argon2id with 19 MiB of memory, 2 passes, 1 lane (OWASP's
recommended minimum for argon2id), which takes about 20–30 ms per hash on a small
2-core machine: slow enough to make offline guessing expensive, fast enough for
tests and mailbox logins. Hashes carry their parameters, so changing these constants
later only makes :func:`verify_password` hand back a fresh hash on the next login.

Both run through :func:`workmail_local.slow.slow`: served over HTTP, the hashing happens
in a worker thread outside the request's transaction, never on the event loop.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workmail_local.slow import slow

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1

MIN_LENGTH = 8
MIN_CHARACTER_CLASSES = 3
POLICY = (
    f"at least {MIN_LENGTH} characters, and at least {MIN_CHARACTER_CLASSES} of: uppercase letters, "
    "lowercase letters, digits, symbols"
)

# glibc's mallopt(M_MMAP_THRESHOLD, …): blocks of this size and larger are always mapped
# on their own and unmapped when freed.
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 1024 * 1024


def _return_hash_memory_when_freed() -> None:
    """Make the C library give argon2's 19 MiB back to the system after every hash.

    glibc maps a block that large on its own and unmaps it when freed, but the first such
    free raises its threshold for "large" to the block's size: every later hash's block
    came from the heap and stayed resident after the hash (about 20 MB for as long as
    the server runs, after one password login). A threshold set explicitly stays put.
    Other C libraries are left as they are.
    """
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: the C library it runs on
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - glibc only: mallopt's parameters are glibc's
    except (OSError, AttributeError, TypeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


_return_hash_memory_when_freed()
_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


# Verified against when a user has no password, so "no password" costs as long as "wrong password".
@cache
def _dummy_hash() -> str:
    """A hash that matches no password anyone types: verified against when there is no
    real one. Made on first use, not at import (a hash costs tens of milliseconds of start-up)."""
    return _hasher.hash("workmail-local: no password is set")


class PasswordCheck(NamedTuple):
    """The outcome of :func:`verify_password`."""

    ok: bool
    # When ``ok`` and the stored hash was made with other parameters: store this instead.
    new_hash: str | None = None


def policy_violation(password: str) -> str | None:
    """Why ``password`` breaks the directory password policy, or ``None`` when it meets it.

    Character classes: uppercase letters, lowercase letters, the digits 0–9, and
    symbols (every other character, space included). The text never quotes the password.
    """
    classes = 0
    classes += any(c.isupper() for c in password)
    classes += any(c.islower() for c in password)
    classes += any(c in "0123456789" for c in password)
    classes += any(not (c.isupper() or c.islower() or c in "0123456789") for c in password)
    if len(password) < MIN_LENGTH or classes < MIN_CHARACTER_CLASSES:
        return f"The password does not meet the password policy: {POLICY}."
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (PHC string: algorithm, parameters, salt, hash)."""
    return slow(_hasher.hash, password)


def verify_password(stored_hash: str | None, password: str) -> PasswordCheck:
    """Whether ``password`` matches ``stored_hash`` (``None``: the user has no password).

    The comparison is constant time, and a user without a password or with an
    unreadable hash costs one full verification too, so timing tells nothing.
    """
    return slow(_verify, stored_hash, password)


def _verify(stored_hash: str | None, password: str) -> PasswordCheck:
    if stored_hash is None:
        _spend_one_verification(password)
        return PasswordCheck(False)
    try:
        _hasher.verify(stored_hash, password)
    except VerificationError:  # a mismatch (VerifyMismatchError) or a failure inside argon2
        return PasswordCheck(False)
    except InvalidHashError:  # refused before any work: spend the time anyway
        _spend_one_verification(password)
        return PasswordCheck(False)
    if _hasher.check_needs_rehash(stored_hash):
        return PasswordCheck(True, _hasher.hash(password))
    return PasswordCheck(True)


def _spend_one_verification(password: str) -> None:
    """Take as long as one verification, with nothing to match."""
    try:
        _hasher.verify(_dummy_hash(), password)
    except VerificationError:
        pass
