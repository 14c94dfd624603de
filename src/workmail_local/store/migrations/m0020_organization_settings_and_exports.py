"""Organization settings (inbound DMARC, retention policy, email monitoring, availability
configurations) and mailbox export jobs.

An organization without an ``inbound_dmarc`` row has DMARC enforced (the default of a new
organization). Export jobs keep two clocks: ``started_at``/``ended_at`` are the
emulator's (what Describe and List show, and what the 24-hour and 7-day rules compare),
``real_started_at`` is wall-clock time, which ``--export-job-seconds`` counts from.
``worker``/``lease_until`` mark the process writing a job's archive (several processes
may share a PostgreSQL database). The EWS password is sealed (``sealed.py``), never clear.
"""

STATEMENTS = [
    """CREATE TABLE inbound_dmarc (
        organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
        enforced INTEGER NOT NULL)""",
    """CREATE TABLE retention_policies (
        organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
        id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
        folders TEXT NOT NULL, created_at REAL NOT NULL, modified_at REAL NOT NULL)""",
    """CREATE TABLE email_monitoring (
        organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
        log_group_arn TEXT NOT NULL, role_arn TEXT)""",
    """CREATE TABLE availability_configurations (
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        domain_name TEXT NOT NULL, provider_type TEXT NOT NULL,
        ews_endpoint TEXT, ews_username TEXT, ews_password TEXT, lambda_arn TEXT,
        created_at REAL NOT NULL, modified_at REAL NOT NULL,
        PRIMARY KEY (organization_id, domain_name))""",
    """CREATE TABLE mailbox_export_jobs (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id),
        entity_id TEXT NOT NULL, description TEXT,
        role_arn TEXT NOT NULL, kms_key_arn TEXT NOT NULL,
        s3_bucket TEXT NOT NULL, s3_prefix TEXT NOT NULL, s3_path TEXT NOT NULL,
        state TEXT NOT NULL, progress INTEGER NOT NULL, error_info TEXT,
        started_at REAL NOT NULL, ended_at REAL, real_started_at REAL NOT NULL,
        worker TEXT, lease_until REAL)""",
    "CREATE INDEX mailbox_export_jobs_in_order ON mailbox_export_jobs (organization_id, started_at, id)",
    "CREATE INDEX mailbox_export_jobs_by_state ON mailbox_export_jobs (state)",
    "CREATE INDEX mailbox_export_jobs_by_entity ON mailbox_export_jobs (entity_id, started_at)",
]
