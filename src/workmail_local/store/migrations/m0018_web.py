"""The web pages' state and the login activity.

``mailbox_logins``: every mailbox authentication attempt, newest the highest ``seq``
(``seq`` is given by the writer as the largest plus one: portable, and a conflict under
PostgreSQL's serializable transactions is simply retried). ``organization_id`` and
``user_id`` are NULL when the login named nobody. Pruned per organization to the
``login_history`` setting (``meta``), counted in ``mailbox_login_counts``; see
``mailbox_auth/logins.py``.

``web_sessions``: the WorkMail web app's signed-in sessions (``kind`` ``mail``) and the
access portal's pending MFA steps (``kind`` ``mfa``: the password was right, the code is
next). Only the SHA-256 of a session's cookie is stored.
"""

STATEMENTS = [
    """CREATE TABLE mailbox_logins (
        seq INTEGER PRIMARY KEY, at REAL NOT NULL,
        organization_id TEXT, user_id TEXT, username TEXT NOT NULL,
        protocol TEXT NOT NULL, source_ip TEXT, method TEXT,
        result TEXT NOT NULL, reason TEXT)""",
    "CREATE INDEX mailbox_logins_by_organization ON mailbox_logins (organization_id, seq)",
    # How many attempts each organization holds ('' for those that named nobody), so that
    # keeping the newest N costs an index step per login, not a walk over N rows.
    "CREATE TABLE mailbox_login_counts (organization_key TEXT PRIMARY KEY, kept INTEGER NOT NULL)",
    """CREATE TABLE web_sessions (
        token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL,
        identity_store_id TEXT, idc_user_id TEXT, user_name TEXT,
        organization_id TEXT, user_id TEXT, method TEXT,
        created_at REAL NOT NULL, expires_at REAL NOT NULL)""",
]
