"""Personal access tokens: mailbox credentials for mail clients under IdC authentication.

The secret is never stored: ``token_hash`` is the SHA-256 of the 256-bit random token,
which is all a login needs to find it.
"""

STATEMENTS = [
    """CREATE TABLE personal_access_tokens (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        name TEXT NOT NULL, scopes TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL, expires_at REAL NOT NULL, last_used_at REAL)""",
    "CREATE INDEX personal_access_tokens_by_organization ON personal_access_tokens (organization_id, created_at, id)",
    "CREATE INDEX personal_access_tokens_by_user ON personal_access_tokens (user_id, created_at, id)",
    # Mail clients log in with an address alone: find its user without knowing the organization.
    "CREATE INDEX users_by_email_address ON users (email_key)",
]
