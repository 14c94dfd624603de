"""Personal access token secrets: made once, shown once, stored only as a hash.

A token is ``wmpat_`` + 43 characters of URL-safe base64 (256 random bits). Its
SHA-256 is stored and looked up: with that much entropy a fast hash is as safe as a
slow one, and a login costs microseconds, not the tens of milliseconds of argon2.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "wmpat_"
TOKEN_BYTES = 32

# Every mailbox protocol; a token works only for the protocols in its scopes.
MAILBOX_PROTOCOLS = ("IMAP", "SMTP", "EWS", "ActiveSync")
DEFAULT_SCOPES = list(MAILBOX_PROTOCOLS)


def new_token() -> str:
    """A fresh token secret."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored and looked up instead of the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token_id() -> str:
    """A token ID matching ``[a-zA-Z0-9_-]+`` (1–64 characters)."""
    return secrets.token_hex(16)
