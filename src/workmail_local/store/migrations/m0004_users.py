"""Mailbox users of the WorkMail directory.

A deleted user keeps its row (DescribeUser and ListUsers still show it) but frees its
name; an email address belongs to one live entity of an organization at a time. The
``*_key`` columns hold the lower-cased forms that lookups, uniqueness and prefix filters
use, computed in Python so SQLite and PostgreSQL agree on non-ASCII text.
"""

STATEMENTS = [
    """CREATE TABLE users (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        name TEXT NOT NULL, name_key TEXT NOT NULL,
        display_name TEXT NOT NULL, display_name_key TEXT NOT NULL,
        first_name TEXT, last_name TEXT, initials TEXT, telephone TEXT, street TEXT,
        job_title TEXT, city TEXT, company TEXT, zip_code TEXT, department TEXT,
        country TEXT, office TEXT,
        hidden_from_gal INTEGER NOT NULL,
        role TEXT NOT NULL,
        state TEXT NOT NULL,
        email TEXT, email_key TEXT,
        password_hash TEXT,
        identity_provider_user_id TEXT, identity_provider_identity_store_id TEXT,
        created_at REAL NOT NULL, enabled_at REAL, disabled_at REAL,
        mailbox_provisioned_at REAL, mailbox_deprovisioned_at REAL, deleted_at REAL)""",
    # Names are unique among the organization's users that are not deleted.
    "CREATE UNIQUE INDEX users_by_name ON users (organization_id, name_key) WHERE state <> 'DELETED'",
    # Only registered users hold an address; the cross-entity check lives in entities.py.
    "CREATE UNIQUE INDEX users_by_email ON users (organization_id, email_key) WHERE email_key IS NOT NULL",
    # ListUsers order (keyset pagination).
    "CREATE INDEX users_by_organization ON users (organization_id, created_at, id)",
    # Mailbox logins through IAM Identity Center find the linked user.
    "CREATE INDEX users_by_identity_provider_user ON users (organization_id, identity_provider_user_id)",
]
