"""IAM Identity Center instances: one per account and region, created on first use."""

STATEMENTS = [
    """CREATE TABLE idc_instances (
        instance_arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        identity_store_id TEXT NOT NULL UNIQUE, name TEXT, status TEXT NOT NULL, created_at REAL NOT NULL)""",
    "CREATE INDEX idc_instances_by_owner ON idc_instances (account, region, created_at)",
]
