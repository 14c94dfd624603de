"""IdC credentials and sign-in: passwords, authenticator apps, failed attempts, sessions.

AWS has no API for these; the control API sets them (``/_workmail-local/identitycenter/…``).
"""

STATEMENTS = [
    # One row per IdC user with a password and/or an authenticator app. The TOTP secret
    # must be kept to check codes; ``totp_last_step`` makes each code usable once.
    """CREATE TABLE idc_credentials (
        identity_store_id TEXT NOT NULL, user_id TEXT NOT NULL,
        password_hash TEXT, totp_secret TEXT, totp_last_step INTEGER,
        updated_at REAL NOT NULL,
        PRIMARY KEY (identity_store_id, user_id))""",
    # Failed sign-ins per user name (unknown names too), and the lock they lead to.
    """CREATE TABLE idc_signin_failures (
        identity_store_id TEXT NOT NULL, user_name_key TEXT NOT NULL, failed_at REAL NOT NULL)""",
    "CREATE INDEX idc_signin_failures_by_user ON idc_signin_failures (identity_store_id, user_name_key, failed_at)",
    """CREATE TABLE idc_signin_locks (
        identity_store_id TEXT NOT NULL, user_name_key TEXT NOT NULL, locked_until REAL NOT NULL,
        PRIMARY KEY (identity_store_id, user_name_key))""",
    # Sessions from a successful sign-in: only a hash of the token is stored.
    """CREATE TABLE idc_sessions (
        token_hash TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        identity_store_id TEXT NOT NULL, user_id TEXT NOT NULL,
        created_at REAL NOT NULL, expires_at REAL NOT NULL)""",
]
