"""The outbound queue: accepted mail for addresses outside every organization's mail
domains, kept (never sent: this machine reaches nothing outside) until the control API
clears it. ``recipients`` is a JSON list; ``id`` is WorkMail Local's queue ID."""

STATEMENTS = [
    """CREATE TABLE outbound_messages (
        id TEXT PRIMARY KEY,
        message_id TEXT NOT NULL, sender TEXT NOT NULL, recipients TEXT NOT NULL,
        subject TEXT, size INTEGER NOT NULL, created_at REAL NOT NULL)""",
    "CREATE INDEX outbound_messages_by_time ON outbound_messages (created_at, id)",
]
