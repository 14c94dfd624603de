"""The login activity: every mailbox authentication attempt, recorded where it is decided.

``decision.authenticate`` and ``impersonated.authenticate_impersonation`` call
:func:`record` for every attempt, allowed or refused, so every caller is recorded: the
control endpoint (and Dovecot's checkpassword, which asks it), SMTP submission, the web
app's sign-in. Each organization keeps its newest ``login_history`` attempts (the
setting, written to ``meta`` at start-up); older ones are dropped as new ones come.
No secret is ever recorded: the user name as given, never the password or token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workmail_local.clock import to_millisecond
from workmail_local.config import DEFAULT_LOGIN_HISTORY
from workmail_local.store import Row, Tx

ALLOWED = "ALLOWED"
REFUSED = "REFUSED"
HISTORY_KEY = "login_history"


def set_history(tx: Tx, limit: int) -> None:
    """Keep ``limit`` attempts per organization from now on (start-up writes the setting)."""
    tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               (HISTORY_KEY, str(limit)))


def record(tx: Tx, now: float, username: str, protocol: str, source_ip: str | None, allowed: bool,
           organization_id: str | None, user_id: str | None, method: str | None, reason: str | None) -> None:
    """Record one attempt, and drop the organization's oldest attempts beyond the history limit.

    Dropping waits until an organization holds 1% more than the limit (for a limit of 100
    or more), then drops that 1% at once: one delete per hundred logins rather than one
    per login, on the path every IMAP/SMTP login takes."""
    # The attempt, numbered after the newest; the organization's count, read back with the
    # history setting (on PostgreSQL the two writes travel with that read: Tx.defer).
    tx.defer(_RECORD, (now, organization_id, user_id, username, protocol, source_ip, method,
                       ALLOWED if allowed else REFUSED, None if allowed else reason))
    key = organization_id or ""
    tx.defer(_COUNT, (key,))
    counted = tx.one(_KEPT_AND_LIMIT, (HISTORY_KEY, key))
    kept, limit = counted["kept"], counted["history"]
    limit = int(limit) if limit is not None else DEFAULT_LOGIN_HISTORY
    if kept <= limit + limit // 100:
        return
    # Drop the oldest: the newest dropped is the (kept - limit)th oldest.
    same_org = "organization_id IS NULL" if organization_id is None else "organization_id = ?"
    args: tuple[Any, ...] = () if organization_id is None else (organization_id,)
    last_dropped = tx.value(f"SELECT seq FROM mailbox_logins WHERE {same_org} ORDER BY seq LIMIT 1 OFFSET ?",  # noqa: S608
                            (*args, kept - limit - 1))
    tx.execute(f"DELETE FROM mailbox_logins WHERE {same_org} AND seq <= ?", (*args, last_dropped))  # noqa: S608
    tx.execute("UPDATE mailbox_login_counts SET kept = ? WHERE organization_key = ?", (limit, key))


_RECORD = ("INSERT INTO mailbox_logins (seq, at, organization_id, user_id, username, protocol, source_ip, method,"
           " result, reason) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM mailbox_logins), ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_COUNT = ("INSERT INTO mailbox_login_counts (organization_key, kept) VALUES (?, 1)"
          " ON CONFLICT (organization_key) DO UPDATE SET kept = mailbox_login_counts.kept + 1")
# Not RETURNING: SQLite writes returned rows to a temporary table first, which costs more.
_KEPT_AND_LIMIT = ("SELECT kept, (SELECT value FROM meta WHERE key = ?) AS history"
                   " FROM mailbox_login_counts WHERE organization_key = ?")


def page(tx: Tx, organization_id: str | None, user_id: str | None, result: str | None,
         before: int | None, limit: int) -> list[Row]:
    """Up to ``limit`` attempts matching the filters, newest first, older than ``before`` (a seq)."""
    where, args = ["1 = 1"], []
    for column, value in (("organization_id", organization_id), ("user_id", user_id), ("result", result)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if before is not None:
        where.append("seq < ?")
        args.append(before)
    return tx.all(f"SELECT * FROM mailbox_logins WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",  # noqa: S608
                  (*args, limit))


def as_json(row: Row) -> dict[str, Any]:
    """An attempt as the logins endpoint answers it."""
    return {"Time": to_millisecond(row["at"]), "OrganizationId": row["organization_id"], "UserId": row["user_id"],
            "Username": row["username"], "Protocol": row["protocol"], "SourceIp": row["source_ip"],
            "Method": row["method"], "Result": row["result"], "Reason": row["reason"]}


def filters_of(query: dict[str, Any]) -> Sequence[Any]:
    """The filters a page token is bound to."""
    return [query.get("OrganizationId"), query.get("UserId"), query.get("Result")]
