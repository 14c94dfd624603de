"""The rest of the WorkMail directory: groups, resources, one address space, mail domain
verification, memberships, delegates, mailbox permissions and quota, organization tags.

Groups and resources carry the columns every entity has (the ``users`` table has them
too: ``id, organization_id, name, name_key, state, email, email_key, hidden_from_gal,
created_at, enabled_at, disabled_at, deleted_at``), so the entity layer reads all three
kinds with the same SQL. ``email_addresses`` holds every address of every entity, primary
and aliases: its primary key is the organization's one address space.
"""

STATEMENTS = [
    """CREATE TABLE directory_groups (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        name TEXT NOT NULL, name_key TEXT NOT NULL,
        hidden_from_gal INTEGER NOT NULL,
        state TEXT NOT NULL,
        email TEXT, email_key TEXT,
        created_at REAL NOT NULL, enabled_at REAL, disabled_at REAL, deleted_at REAL)""",
    "CREATE UNIQUE INDEX directory_groups_by_name ON directory_groups (organization_id, name_key)"
    " WHERE state <> 'DELETED'",
    "CREATE INDEX directory_groups_by_organization ON directory_groups (organization_id, created_at, id)",
    """CREATE TABLE directory_resources (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        name TEXT NOT NULL, name_key TEXT NOT NULL,
        resource_type TEXT NOT NULL, description TEXT,
        hidden_from_gal INTEGER NOT NULL,
        auto_accept_requests INTEGER NOT NULL, auto_decline_recurring_requests INTEGER NOT NULL,
        auto_decline_conflicting_requests INTEGER NOT NULL,
        state TEXT NOT NULL,
        email TEXT, email_key TEXT,
        created_at REAL NOT NULL, enabled_at REAL, disabled_at REAL, deleted_at REAL)""",
    "CREATE UNIQUE INDEX directory_resources_by_name ON directory_resources (organization_id, name_key)"
    " WHERE state <> 'DELETED'",
    "CREATE INDEX directory_resources_by_organization ON directory_resources (organization_id, created_at, id)",
    # Every address of every entity (primary and aliases); ``domain`` is lower-cased.
    """CREATE TABLE email_addresses (
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        address_key TEXT NOT NULL, address TEXT NOT NULL, domain TEXT NOT NULL,
        entity_id TEXT NOT NULL, entity_type TEXT NOT NULL, is_primary INTEGER NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (organization_id, address_key))""",
    "CREATE INDEX email_addresses_by_entity ON email_addresses (entity_id, created_at, address_key)",
    "CREATE INDEX email_addresses_by_domain ON email_addresses (organization_id, domain)",
    # The users registered today join the address space. The domain is what follows the
    # last "@": rtrim() strips every character but "@" from the right (SQLite and
    # PostgreSQL alike; neither has the other's instr/strpos).
    """INSERT INTO email_addresses (organization_id, address_key, address, domain, entity_id, entity_type,
        is_primary, created_at)
       SELECT organization_id, email_key, email, lower(substr(email, length(rtrim(email, replace(email, '@', ''))) + 1)), id, 'USER', 1,
        COALESCE(enabled_at, created_at)
       FROM users WHERE email_key IS NOT NULL""",
    # Domains registered so far were usable at once: they stay VERIFIED.
    "ALTER TABLE mail_domains ADD COLUMN ownership_status TEXT NOT NULL DEFAULT 'VERIFIED'",
    "ALTER TABLE mail_domains ADD COLUMN dkim_status TEXT NOT NULL DEFAULT 'VERIFIED'",
    # Direct memberships; ``member_type`` is USER or GROUP.
    """CREATE TABLE group_members (
        group_id TEXT NOT NULL, member_id TEXT NOT NULL, member_type TEXT NOT NULL,
        organization_id TEXT NOT NULL REFERENCES organizations (id), created_at REAL NOT NULL,
        PRIMARY KEY (group_id, member_id))""",
    "CREATE INDEX group_members_by_member ON group_members (member_id, group_id)",
    """CREATE TABLE resource_delegates (
        resource_id TEXT NOT NULL, delegate_id TEXT NOT NULL, delegate_type TEXT NOT NULL,
        organization_id TEXT NOT NULL REFERENCES organizations (id), created_at REAL NOT NULL,
        PRIMARY KEY (resource_id, delegate_id))""",
    "CREATE INDEX resource_delegates_by_delegate ON resource_delegates (delegate_id)",
    # One row per (mailbox owner, grantee); ``permission_values`` is a JSON list in enum order.
    """CREATE TABLE mailbox_permissions (
        owner_id TEXT NOT NULL, grantee_id TEXT NOT NULL, grantee_type TEXT NOT NULL,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        permission_values TEXT NOT NULL, created_at REAL NOT NULL,
        PRIMARY KEY (owner_id, grantee_id))""",
    "CREATE INDEX mailbox_permissions_by_grantee ON mailbox_permissions (grantee_id)",
    # NULL: the default quota.
    "ALTER TABLE users ADD COLUMN mailbox_quota INTEGER",
    """CREATE TABLE organization_tags (
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, created_at REAL NOT NULL,
        PRIMARY KEY (organization_id, tag_key))""",
]
