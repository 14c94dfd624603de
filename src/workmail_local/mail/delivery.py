"""Delivering an accepted message: into mailboxes through Dovecot's LMTP, or into the outbound queue.

Mailboxes are Dovecot's, keyed by entity ID (``mail/mailstore.py``), so each mailbox is
one LMTP transaction to ``RCPT TO:<entity-id>`` — Dovecot's userdb puts its home at
``<mail-dir>/<entity-id>``. One transaction per mailbox, because LMTP answers DATA once
per recipient and a refusal for one must not hide the others. The LMTP client blocks:
it runs in a worker thread (:func:`deliver`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from collections.abc import Sequence

import orjson

from workmail_local.clock import to_millisecond
from workmail_local.config import Settings
from workmail_local.mail import mailstore
from workmail_local.mail.recipients import Mailbox
from workmail_local.services.workmail.mailboxes import DEFAULT_QUOTA_MB
from workmail_local.store import Tx

DELIVERED = "delivered"
QUOTA_EXCEEDED = "quota-exceeded"
FAILED = "failed"
LMTP_TIMEOUT = 30.0


def new_message_id() -> str:
    """A queue ID, also the Message-ID of a message that came without one."""
    return uuid.uuid4().hex


def over_quota(settings: Settings, mailbox: Mailbox, size: int) -> bool:
    """Would ``size`` more bytes exceed the user's quota? (Resources have none.)"""
    if mailbox.kind != "USER":
        return False
    quota_bytes = (mailbox.quota_mb or DEFAULT_QUOTA_MB) * 1024 * 1024
    used = mailstore.size_bytes(mailstore.maildir_of(settings, mailbox.entity_id))
    return used + size > quota_bytes


def _deliver_blocking(lmtp: tuple[str, int], sender: str, entity_ids: Sequence[str], content: bytes) -> dict[str, str]:
    results: dict[str, str] = {}
    try:
        client = smtplib.LMTP(lmtp[0], lmtp[1], timeout=LMTP_TIMEOUT)
    except OSError:
        return {entity_id: FAILED for entity_id in entity_ids}
    try:
        client.ehlo_or_helo_if_needed()
        for entity_id in entity_ids:
            try:
                client.sendmail(sender, [entity_id], content)
                results[entity_id] = DELIVERED
            except smtplib.SMTPResponseException as exc:
                results[entity_id] = QUOTA_EXCEEDED if exc.smtp_code == 552 else FAILED
                client.rset()
            except smtplib.SMTPRecipientsRefused as exc:
                refused = next(iter(exc.recipients.values()), (0, b""))
                results[entity_id] = QUOTA_EXCEEDED if refused[0] == 552 else FAILED
    except (OSError, smtplib.SMTPException):
        for entity_id in entity_ids:
            results.setdefault(entity_id, FAILED)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return results


async def deliver(lmtp: tuple[str, int], sender: str, entity_ids: Sequence[str], content: bytes) -> dict[str, str]:
    """Each mailbox's result (:data:`DELIVERED`, :data:`QUOTA_EXCEEDED`, :data:`FAILED`), off the loop."""
    if not entity_ids:
        return {}
    return await asyncio.get_running_loop().run_in_executor(None, _deliver_blocking, lmtp, sender,
                                                            list(entity_ids), content)


def queue_outbound(tx: Tx, now: float, message_id: str, sender: str, recipients: Sequence[str],
                   subject: str | None, size: int) -> None:
    """Put a message for outside addresses into the outbound queue."""
    tx.execute("INSERT INTO outbound_messages (id, message_id, sender, recipients, subject, size, created_at)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)",
               (new_message_id(), message_id, sender, orjson.dumps(list(recipients)).decode(), subject, size, now))


def outbound_messages(tx: Tx) -> list[dict]:
    """The outbound queue, oldest first, as ``GET /_workmail-local/mail/outbound`` shows it."""
    rows = tx.all("SELECT * FROM outbound_messages ORDER BY created_at, id")
    return [{"MessageId": r["message_id"], "From": r["sender"], "Recipients": orjson.loads(r["recipients"]),
             "Subject": r["subject"], "Size": r["size"], "Time": to_millisecond(r["created_at"])} for r in rows]
