"""Access policies: access control rules, mobile device access rules and overrides,
impersonation roles and the tokens AssumeImpersonationRole hands out.

Condition lists are one JSON object per rule (``conditions``: member name → list, only
the non-empty ones; NULL when the rule has none), so a login reads an organization's
rules with one indexed SELECT and the default rule costs no parsing. ``ordinal`` keeps
creation order (a replaced access control rule keeps its place). Every organization
that exists already gets the defaults a new one gets (see ``access_control_rules`` and
``mobile_device_access``): without them, its mailboxes would be closed at once.
"""

# The default mobile device access rule's ID for organizations created before this
# migration: the organization's 32 hex digits as a UUID (new ones get a random UUID).
_UUID_OF_ORG = ("substr(id, 3, 8) || '-' || substr(id, 11, 4) || '-' || substr(id, 15, 4) || '-'"
                " || substr(id, 19, 4) || '-' || substr(id, 23, 12)")

STATEMENTS = [
    """CREATE TABLE access_control_rules (
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        name TEXT NOT NULL, effect TEXT NOT NULL, description TEXT NOT NULL,
        conditions TEXT, ordinal INTEGER NOT NULL,
        created_at REAL NOT NULL, modified_at REAL NOT NULL,
        PRIMARY KEY (organization_id, name))""",
    """CREATE TABLE mobile_device_access_rules (
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        id TEXT NOT NULL, name TEXT NOT NULL, description TEXT, effect TEXT NOT NULL,
        conditions TEXT, ordinal INTEGER NOT NULL,
        created_at REAL NOT NULL, modified_at REAL NOT NULL,
        PRIMARY KEY (organization_id, id))""",
    # One override per (user, device); device IDs compare case-insensitively (device_key).
    """CREATE TABLE mobile_device_access_overrides (
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        user_id TEXT NOT NULL, device_key TEXT NOT NULL, device_id TEXT NOT NULL,
        effect TEXT NOT NULL, description TEXT,
        created_at REAL NOT NULL, modified_at REAL NOT NULL,
        PRIMARY KEY (organization_id, user_id, device_key))""",
    "CREATE INDEX mobile_device_access_overrides_by_user ON mobile_device_access_overrides (user_id)",
    "CREATE INDEX mobile_device_access_overrides_in_order ON mobile_device_access_overrides"
    " (organization_id, created_at, user_id, device_key)",
    # ``rules`` is the JSON list as the client gave it; ``targets`` the same rules' target
    # users resolved to user IDs (what evaluation compares).
    """CREATE TABLE impersonation_roles (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        name TEXT NOT NULL, role_type TEXT NOT NULL, description TEXT,
        rules TEXT NOT NULL, targets TEXT NOT NULL,
        created_at REAL NOT NULL, modified_at REAL NOT NULL)""",
    "CREATE INDEX impersonation_roles_by_organization ON impersonation_roles (organization_id, created_at, id)",
    # The secret is never stored: only its SHA-256.
    """CREATE TABLE impersonation_tokens (
        token_hash TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        role_id TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL)""",
    "CREATE INDEX impersonation_tokens_by_role ON impersonation_tokens (role_id)",
    """INSERT INTO access_control_rules (organization_id, name, effect, description, conditions, ordinal,
        created_at, modified_at)
       SELECT id, 'default', 'ALLOW', 'Default WorkMail Rule', NULL, 1, 0, 0 FROM organizations""",
    f"""INSERT INTO mobile_device_access_rules (organization_id, id, name, description, effect, conditions,
        ordinal, created_at, modified_at)
       SELECT id, {_UUID_OF_ORG}, 'default', 'Default WorkMail Rule', 'ALLOW', NULL, 1, 0, 0
       FROM organizations""",
]
