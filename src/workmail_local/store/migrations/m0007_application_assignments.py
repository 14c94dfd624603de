"""sso-admin application assignments: which IdC users and groups may use an application."""

STATEMENTS = [
    """CREATE TABLE idc_application_assignments (
        application_arn TEXT NOT NULL REFERENCES idc_applications (application_arn),
        principal_type TEXT NOT NULL, principal_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (application_arn, principal_type, principal_id))""",
    "CREATE INDEX idc_application_assignments_by_principal"
    " ON idc_application_assignments (principal_type, principal_id)",
]
