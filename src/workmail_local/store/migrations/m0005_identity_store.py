"""The IdC identity store: users, groups and group memberships.

Relational on purpose: IdC sign-in, application assignments and the linking of WorkMail
users query these tables directly. ``*_key`` columns hold the case-folded value that
uniqueness and look-ups use (user names, emails and group names are case-insensitive);
attributes nobody queries (addresses, phone numbers, photos, roles, extensions) are JSON.
"""

STATEMENTS = [
    """CREATE TABLE idc_users (
        identity_store_id TEXT NOT NULL, user_id TEXT NOT NULL,
        user_name TEXT NOT NULL, user_name_key TEXT NOT NULL, display_name TEXT,
        name_formatted TEXT, family_name TEXT, given_name TEXT, middle_name TEXT,
        honorific_prefix TEXT, honorific_suffix TEXT,
        nick_name TEXT, profile_url TEXT, user_type TEXT, title TEXT, preferred_language TEXT,
        locale TEXT, timezone TEXT, website TEXT, birthdate TEXT,
        email TEXT, email_key TEXT, email_type TEXT, email_primary INTEGER,
        addresses TEXT, phone_numbers TEXT, photos TEXT, roles TEXT, extensions TEXT,
        user_status TEXT NOT NULL, revision INTEGER NOT NULL,
        created_at REAL NOT NULL, created_by TEXT NOT NULL, updated_at REAL NOT NULL, updated_by TEXT NOT NULL,
        PRIMARY KEY (identity_store_id, user_id))""",
    "CREATE UNIQUE INDEX idc_users_by_name ON idc_users (identity_store_id, user_name_key)",
    "CREATE UNIQUE INDEX idc_users_by_email ON idc_users (identity_store_id, email_key)",
    "CREATE INDEX idc_users_in_order ON idc_users (identity_store_id, created_at, user_id)",
    """CREATE TABLE idc_groups (
        identity_store_id TEXT NOT NULL, group_id TEXT NOT NULL,
        display_name TEXT, display_name_key TEXT, description TEXT, revision INTEGER NOT NULL,
        created_at REAL NOT NULL, created_by TEXT NOT NULL, updated_at REAL NOT NULL, updated_by TEXT NOT NULL,
        PRIMARY KEY (identity_store_id, group_id))""",
    "CREATE UNIQUE INDEX idc_groups_by_name ON idc_groups (identity_store_id, display_name_key)",
    "CREATE INDEX idc_groups_in_order ON idc_groups (identity_store_id, created_at, group_id)",
    """CREATE TABLE idc_group_memberships (
        identity_store_id TEXT NOT NULL, membership_id TEXT NOT NULL,
        group_id TEXT NOT NULL, user_id TEXT NOT NULL,
        created_at REAL NOT NULL, created_by TEXT NOT NULL, updated_at REAL NOT NULL, updated_by TEXT NOT NULL,
        PRIMARY KEY (identity_store_id, membership_id),
        UNIQUE (identity_store_id, group_id, user_id),
        FOREIGN KEY (identity_store_id, group_id) REFERENCES idc_groups (identity_store_id, group_id),
        FOREIGN KEY (identity_store_id, user_id) REFERENCES idc_users (identity_store_id, user_id))""",
    "CREATE INDEX idc_group_memberships_by_group"
    " ON idc_group_memberships (identity_store_id, group_id, created_at, membership_id)",
    "CREATE INDEX idc_group_memberships_by_user"
    " ON idc_group_memberships (identity_store_id, user_id, created_at, membership_id)",
]
