"""Web sessions: the access portal's (the IdC session itself) and the WorkMail web app's.

Cookies hold random tokens; the store holds only their SHA-256 (``signin.session_hash``).
- ``wml_portal``: the IdC session token ``signin.sign_in`` made (8 hours).
- ``wml_mfa``: a pending sign-in whose password was right; the code is next (5 minutes).
- ``wml_mail``: a WorkMail web app session of one user of one organization (8 hours,
  at most as long as the IdC session it came from).
"""

from __future__ import annotations

from workmail_local.services.identitycenter import signin
from workmail_local.store import Row
from workmail_local.web.http import Request, new_seed

PORTAL_COOKIE = "wml_portal"
MFA_COOKIE = "wml_mfa"
MAIL_COOKIE = "wml_mail"
MFA_SECONDS = 5 * 60


def portal_session(request: Request, identity_store_id: str | None = None) -> Row | None:
    """The browser's live IdC session (of ``identity_store_id`` when given), or ``None``."""
    token = request.cookies.get(PORTAL_COOKIE)
    if not token:
        return None
    session = signin.find_session(request.tx, token, request.now)
    if session is None or identity_store_id is not None and session["identity_store_id"] != identity_store_id:
        return None
    return session


def end_portal_session(request: Request) -> None:
    token = request.cookies.get(PORTAL_COOKIE)
    if token:
        request.tx.execute("DELETE FROM idc_sessions WHERE token_hash = ?", (signin.session_hash(token),))
    request.set_cookie(PORTAL_COOKIE, "")


def start(request: Request, cookie: str, path: str, kind: str, seconds: float, **columns: str | None) -> None:
    """A new session of ``kind`` in ``web_sessions``, its token set as ``cookie``."""
    token = new_seed()
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    request.tx.execute(
        f"INSERT INTO web_sessions (token_hash, kind, created_at, expires_at, {names})"  # noqa: S608 - fixed names
        f" VALUES (?, ?, ?, ?, {marks})",
        (signin.session_hash(token), kind, request.now, request.now + seconds, *columns.values()),
    )
    request.set_cookie(cookie, token, path, max_age=int(seconds))


def find(request: Request, cookie: str, kind: str) -> Row | None:
    token = request.cookies.get(cookie)
    if not token:
        return None
    return request.tx.one("SELECT * FROM web_sessions WHERE token_hash = ? AND kind = ? AND expires_at > ?",
                          (signin.session_hash(token), kind, request.now))


def end(request: Request, cookie: str, path: str) -> None:
    token = request.cookies.get(cookie)
    if token:
        request.tx.execute("DELETE FROM web_sessions WHERE token_hash = ?", (signin.session_hash(token),))
    request.set_cookie(cookie, "", path)


def expire_old(request: Request) -> None:
    """Drop sessions that have run out (called at each sign-in, so the table stays small)."""
    request.tx.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (request.now,))
