"""IdC sign-in: passwords, authenticator apps (TOTP), lockout and sessions.

AWS has no API for these (users sign in on the IdC portal); the control API exposes
them. Rules:
- A user with an authenticator app must give a valid code: RFC 6238, 30-second steps,
  6 digits, one step of drift either way, read from the emulator's clock; each code
  (each time step) is accepted once.
- Every refusal says the same thing, whatever the cause, so it reveals nothing.
- 5 failures for one user name within 15 minutes lock that name for 15 minutes after
  the 5th failure; attempts during the lock (even correct ones) are refused with
  "too many attempts" and do not extend it. A success clears the count.
- A session lasts 8 hours; only a hash of its token is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp

from workmail_local.clock import to_millisecond
from workmail_local.mailbox_auth.passwords import hash_password, verify_password
from workmail_local.sealed import SecretBox
from workmail_local.services.identitycenter.directory import USER_PRINCIPAL, find_user_by_name, fold, on_principal_delete
from workmail_local.services.identitycenter.linking import link_workmail_users
from workmail_local.store import Row, Tx

SESSION_SECONDS = 8 * 3600
LOCK_AFTER_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
TOTP_DRIFT_STEPS = 1
SESSION_TOKEN_PREFIX = "wmlidc_"

REFUSED = "The user name, password or verification code is incorrect."
LOCKED = "Too many failed sign-in attempts for this user. Try again later."


@dataclass(frozen=True)
class SignInResult:
    """What the sign-in endpoint answers: an HTTP status and a JSON body."""

    status: int
    body: dict[str, object]


def _credentials(tx: Tx, identity_store_id: str, user_id: str) -> Row | None:
    return tx.one("SELECT * FROM idc_credentials WHERE identity_store_id = ? AND user_id = ?",
                  (identity_store_id, user_id))


def _upsert_credentials(tx: Tx, identity_store_id: str, user_id: str, now: float, **columns: object) -> None:
    if _credentials(tx, identity_store_id, user_id) is None:
        tx.execute("INSERT INTO idc_credentials (identity_store_id, user_id, updated_at) VALUES (?, ?, ?)",
                   (identity_store_id, user_id, now))
    assignments = ", ".join(f"{name} = ?" for name in columns)
    tx.execute(
        f"UPDATE idc_credentials SET {assignments}, updated_at = ? WHERE identity_store_id = ? AND user_id = ?",  # noqa: S608
        (*columns.values(), now, identity_store_id, user_id),
    )


def set_password(tx: Tx, identity_store_id: str, user_id: str, password: str, now: float) -> None:
    """Store an argon2id hash of the user's IdC password (replacing any earlier one)."""
    _upsert_credentials(tx, identity_store_id, user_id, now, password_hash=hash_password(password))


def register_authenticator(tx: Tx, box: SecretBox, identity_store_id: str, user_id: str, user_name: str,
                           now: float) -> tuple[str, str]:
    """A new TOTP secret for the user (replacing any earlier app); ``(secret, otpauth URI)``.
    The secret is stored sealed with ``box`` (see workmail_local.sealed)."""
    secret = pyotp.random_base32()
    _upsert_credentials(tx, identity_store_id, user_id, now, totp_secret=box.seal(secret), totp_last_step=None)
    uri = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS).provisioning_uri(
        name=user_name, issuer_name="WorkMail Local")
    return secret, uri


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code is ``code`` (within the drift), or ``None``."""
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    current = totp.timecode(now)
    found = None
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _locked_until(tx: Tx, identity_store_id: str, key: str, now: float) -> float | None:
    until = tx.value("SELECT locked_until FROM idc_signin_locks WHERE identity_store_id = ? AND user_name_key = ?",
                     (identity_store_id, key))
    return until if until is not None and until > now else None


def _record_failure(tx: Tx, identity_store_id: str, key: str, now: float) -> None:
    tx.execute("INSERT INTO idc_signin_failures (identity_store_id, user_name_key, failed_at) VALUES (?, ?, ?)",
               (identity_store_id, key, now))
    recent = tx.value(
        "SELECT COUNT(*) FROM idc_signin_failures WHERE identity_store_id = ? AND user_name_key = ? AND failed_at > ?",
        (identity_store_id, key, now - FAILURE_WINDOW_SECONDS),
    )
    if recent >= LOCK_AFTER_FAILURES:
        tx.execute(
            "INSERT INTO idc_signin_locks (identity_store_id, user_name_key, locked_until) VALUES (?, ?, ?)"
            " ON CONFLICT (identity_store_id, user_name_key) DO UPDATE SET locked_until = excluded.locked_until",
            (identity_store_id, key, now + LOCK_SECONDS),
        )
        _clear_failures(tx, identity_store_id, key)


def _clear_failures(tx: Tx, identity_store_id: str, key: str) -> None:
    tx.execute("DELETE FROM idc_signin_failures WHERE identity_store_id = ? AND user_name_key = ?",
               (identity_store_id, key))


def _check_secrets(tx: Tx, box: SecretBox, identity_store_id: str, user: Row | None, password: str | None,
                   otp: str | None, now: float) -> bool:
    """Password (``None``: checked by :func:`needs_code` before) and (when an app is
    registered) code; marks the code used on success."""
    credentials = _credentials(tx, identity_store_id, user["user_id"]) if user is not None else None
    stored_hash = credentials["password_hash"] if credentials is not None else None
    if password is not None and not verify_password(stored_hash, password).ok:
        return False
    if credentials is None:
        return False
    if credentials["totp_secret"] is None:
        return True
    step = _matching_step(box.open(credentials["totp_secret"]), otp or "", now)
    last = credentials["totp_last_step"]
    if step is None or (last is not None and step <= last):
        return False
    tx.execute("UPDATE idc_credentials SET totp_last_step = ? WHERE identity_store_id = ? AND user_id = ?",
               (step, identity_store_id, user["user_id"]))
    return True


def needs_code(tx: Tx, identity_store_id: str, user: Row | None, user_name: str, password: str, now: float) -> bool:
    """Whether ``password`` is right for a user with an authenticator app who is not locked
    out: the access portal then asks for the code on a page of its own and finishes with
    ``sign_in(…, password=None, otp=code)``. Records nothing: a wrong password goes on to
    :func:`sign_in`, which counts it."""
    if user is None or _locked_until(tx, identity_store_id, fold(user_name), now) is not None:
        return False
    credentials = _credentials(tx, identity_store_id, user["user_id"])
    if credentials is None or credentials["totp_secret"] is None:
        return False
    return verify_password(credentials["password_hash"], password).ok


def sign_in(tx: Tx, box: SecretBox, account: str, region: str, identity_store_id: str, user: Row | None, user_name: str,
            password: str | None, otp: str | None, now: float) -> SignInResult:
    """Check a sign-in (``user`` is the identity-store user named ``user_name``, or ``None``).
    ``password=None`` only after :func:`needs_code` accepted it (the portal's code step).

    Failures are recorded in ``tx``: the caller must commit it even when refusing.
    """
    key = fold(user_name)
    if _locked_until(tx, identity_store_id, key, now) is not None:
        return SignInResult(429, {"__type": "TooManyAttempts", "message": LOCKED})
    if not _check_secrets(tx, box, identity_store_id, user, password, otp, now):
        _record_failure(tx, identity_store_id, key, now)
        return SignInResult(401, {"__type": "AuthenticationFailed", "message": REFUSED})
    assert user is not None
    _clear_failures(tx, identity_store_id, key)
    token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = to_millisecond(now + SESSION_SECONDS)
    tx.execute(
        "INSERT INTO idc_sessions (token_hash, account, region, identity_store_id, user_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (session_hash(token), account, region, identity_store_id, user["user_id"], now, expires_at),
    )
    return SignInResult(200, {"SessionToken": token, "UserId": user["user_id"], "ExpiresAt": expires_at})


def sign_in_user(tx: Tx, box: SecretBox, instance: Row, user_name: str, password: str | None, otp: str | None,
                 now: float) -> SignInResult:
    """:func:`sign_in` for the user named ``user_name`` in ``instance``'s identity store; a
    success links the user's WorkMail namesakes (``linking.link_workmail_users``)."""
    store_id = instance["identity_store_id"]
    user = find_user_by_name(tx, store_id, user_name)
    result = sign_in(tx, box, instance["account"], instance["region"], store_id, user, user_name, password, otp, now)
    if result.status == 200 and user is not None:
        link_workmail_users(tx, instance, user)
    return result


def session_hash(token: str) -> str:
    """Sessions are looked up by the SHA-256 of their token (tokens are 256-bit random)."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_session(tx: Tx, token: str, now: float) -> Row | None:
    """The live session a token names, or ``None`` (unknown or expired)."""
    return tx.one("SELECT * FROM idc_sessions WHERE token_hash = ? AND expires_at > ?", (session_hash(token), now))


@on_principal_delete
def forget_deleted_user(tx: Tx, identity_store_id: str, principal_type: str, principal_id: str) -> None:
    """A deleted IdC user's credentials and sessions go with it."""
    if principal_type != USER_PRINCIPAL:
        return
    for table in ("idc_credentials", "idc_sessions"):
        tx.execute(f"DELETE FROM {table} WHERE identity_store_id = ? AND user_id = ?",  # noqa: S608 - fixed names
                   (identity_store_id, principal_id))
