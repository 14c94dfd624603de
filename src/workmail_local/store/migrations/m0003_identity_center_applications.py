"""IdC applications made by WorkMail's CreateIdentityCenterApplication, and each
organization's identity-provider configuration (PutIdentityProviderConfiguration)."""

STATEMENTS = [
    # One row per application; deleted applications are removed, so an ARN that is not
    # here was never created by this account and region or has been deleted.
    """CREATE TABLE idc_applications (
        application_arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        instance_arn TEXT NOT NULL REFERENCES idc_instances (instance_arn),
        name TEXT NOT NULL, created_at REAL NOT NULL)""",
    "CREATE INDEX idc_applications_by_instance ON idc_applications (instance_arn, created_at, application_arn)",
    # At most one configuration per organization (Put is an upsert). The application
    # reference is a real foreign key: an application still in use cannot vanish.
    """CREATE TABLE identity_provider_configurations (
        organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
        authentication_mode TEXT NOT NULL,
        instance_arn TEXT NOT NULL REFERENCES idc_instances (instance_arn),
        application_arn TEXT NOT NULL REFERENCES idc_applications (application_arn),
        pat_status TEXT NOT NULL, pat_lifetime_in_days INTEGER NOT NULL,
        updated_at REAL NOT NULL)""",
    "CREATE INDEX identity_provider_configurations_by_application"
    " ON identity_provider_configurations (application_arn)",
]
