"""Foundation: emulator metadata, idempotency records, organizations and their mail domains."""

STATEMENTS = [
    # Emulator-wide settings that must survive a restart (clock offset, token secret).
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Replays of requests that carry an idempotency token (ClientToken).
    """CREATE TABLE idempotency (
        account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
        request_hash TEXT NOT NULL, response TEXT NOT NULL, created_at REAL NOT NULL,
        PRIMARY KEY (account, region, operation, token))""",
    # External (Directory Service) directories known to the emulator, registered by the control API.
    """CREATE TABLE directories (
        account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, alias TEXT NOT NULL,
        directory_type TEXT NOT NULL, created_at REAL NOT NULL,
        PRIMARY KEY (account, region, id))""",
    """CREATE TABLE organizations (
        id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        alias TEXT NOT NULL, directory_id TEXT NOT NULL, directory_type TEXT NOT NULL,
        default_mail_domain TEXT NOT NULL, kms_key_arn TEXT, interoperability INTEGER NOT NULL,
        created_at REAL NOT NULL, active_at REAL NOT NULL,
        delete_requested_at REAL, deleted_at REAL, delete_directory INTEGER)""",
    "CREATE INDEX organizations_by_owner ON organizations (account, region, created_at, id)",
    "CREATE INDEX organizations_by_alias ON organizations (alias)",
    """CREATE TABLE mail_domains (
        organization_id TEXT NOT NULL REFERENCES organizations (id), domain TEXT NOT NULL,
        hosted_zone_id TEXT, is_test INTEGER NOT NULL, is_default INTEGER NOT NULL,
        created_at REAL NOT NULL, PRIMARY KEY (organization_id, domain))""",
]
