"""Indexes for organizations of 100,000 users: every hot lookup and every list page is one
index search, and no index holds rows that no query looks for.

- Lists read their page in index order (no sort of every row): a group's members and an
  entity's groups in creation order; an entity's addresses primary first (ListAliases
  orders by ``1 - is_primary``, the expression is indexed); an organization's access
  control and mobile device access rules by ``ordinal`` (read on every login).
- A token login asks which Identity Center groups its user is in: the index of a user's
  memberships carries the group too, so it answers alone (without it, SQLite preferred
  the unique index, narrowed by the identity store only: every membership of the store).
- A name names a live entity through the unique name indexes; the deleted entities of
  that name (the fallback of a lookup by name) have a partial index of their own.
- ``users_by_email`` (organization, address) goes: ``email_addresses``' primary key is the
  organization's one address space, and logins find an address through
  ``users_by_email_address``, which now holds registered users only, as the index on
  Identity Center links holds linked users only (most users have neither).
"""

_DELETED_BY_NAME = ("CREATE INDEX {table}_deleted_by_name ON {table} (organization_id, name_key, created_at)"
                    " WHERE state = 'DELETED'")

STATEMENTS = [
    "DROP INDEX group_members_by_member",
    "CREATE INDEX group_members_in_order ON group_members (group_id, created_at, member_id)",
    "CREATE INDEX group_members_by_member_in_order ON group_members (member_id, created_at, group_id)",
    "DROP INDEX email_addresses_by_entity",
    "CREATE INDEX email_addresses_by_entity ON email_addresses (entity_id, (1 - is_primary), created_at, address_key)",
    "DROP INDEX idc_group_memberships_by_user",
    "CREATE INDEX idc_group_memberships_by_user"
    " ON idc_group_memberships (identity_store_id, user_id, created_at, membership_id, group_id)",
    "CREATE INDEX access_control_rules_in_order ON access_control_rules (organization_id, ordinal)",
    "CREATE INDEX mobile_device_access_rules_in_order ON mobile_device_access_rules (organization_id, ordinal)",
    *(_DELETED_BY_NAME.format(table=table) for table in ("users", "directory_groups", "directory_resources")),
    "DROP INDEX users_by_email",
    "DROP INDEX users_by_email_address",
    "CREATE INDEX users_by_email_address ON users (email_key) WHERE email_key IS NOT NULL",
    "DROP INDEX users_by_identity_provider_user",
    "CREATE INDEX users_by_identity_provider_user ON users (organization_id, identity_provider_user_id)"
    " WHERE identity_provider_user_id IS NOT NULL",
]
