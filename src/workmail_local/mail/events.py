"""Email monitoring events: what WorkMail writes to an organization's CloudWatch log group
(``PutEmailMonitoringConfiguration``), written here as JSON lines to a local file.

One file per log group: ``<data-dir>/logs/<account>/<region>/<log group name, URL-quoted>.jsonl``
(the name's ``/`` become ``%2F``, so a name can never leave the directory); with
``--in-memory`` a temporary directory ``workmail-local-logs-*`` made on the first event
(logged once); with PostgreSQL the per-user data directory, as for export archives.
Each line is one event as WorkMail documents it — ``{"event": {..., "eventName": ...},
"traceId": ...}``, one trace ID per message — and never a body or a secret.

For one accepted message (the SMTP submission's ``DATA`` answered 250):

- the sender's organization: ``OUTGOING_EMAIL_SUBMITTED`` (every accepted recipient);
- each organization that received it: ``ORGANIZATION_EMAIL_RECEIVED`` (its recipients),
  then per mailbox ``MAILBOX_EMAIL_DELIVERED`` (into ``INBOX``) or, when Dovecot refused
  it (quota, failure), ``INCOMING_EMAIL_BOUNCED``.

Nothing leaves this machine, so ``OUTGOING_EMAIL_SENT`` is never written (outside
recipients are queued). Verdicts: no spam filter runs (``spamVerdict: DISABLED``); SPF,
DKIM and DMARC need DNS, which is not consulted, so they are ``GRAY`` (inconclusive) —
and ``dmarcVerdict`` is ``DISABLED`` when the receiving organization does not enforce
inbound DMARC (``PutInboundDmarcSettings``). No verdict is ever ``FAIL``, so no
``DMARC_POLICY_APPLIED`` and no mail is dropped for DMARC.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from workmail_local.clock import to_epoch_millis
from workmail_local.config import Settings, default_data_dir
from workmail_local.mail.delivery import DELIVERED
from workmail_local.mail.recipients import LOCAL, Mailbox, Resolution
from workmail_local.services.workmail.inbound_dmarc import enforced
from workmail_local.store import Tx

log = logging.getLogger("workmail_local.mail")
INBOX = "INBOX"


@dataclass(frozen=True)
class Accepted:
    """One accepted message, as the events describe it (headers only, never the body)."""

    trace_id: str
    message_id: str
    sender: str
    from_header: str | None
    subject: str | None
    sender_organization_id: str | None
    routes: dict[str, Resolution]
    results: dict[str, str]


def _event(name: str, trace_id: str, **fields: Any) -> dict[str, Any]:
    return {"event": {**fields, "eventName": name}, "traceId": trace_id}


def events_of(tx: Tx, message: Accepted, now: float) -> list[tuple[str, dict[str, Any]]]:
    """``(log group ARN, event)`` for every organization concerned that has a monitoring
    configuration; ``now`` (the emulator's clock) is the ``messageTimestamp``."""
    receiving: dict[str, tuple[list[str], dict[str, Mailbox]]] = {}
    for address, resolution in message.routes.items():
        if resolution.outcome == LOCAL and resolution.organization_id is not None:
            addresses, mailboxes = receiving.setdefault(resolution.organization_id, ([], {}))
            addresses.append(address)
            for mailbox in resolution.mailboxes:
                mailboxes.setdefault(mailbox.entity_id, mailbox)  # each final recipient once
    concerned = {*receiving, *([message.sender_organization_id] if message.sender_organization_id else [])}
    if not concerned:
        return []
    marks = ", ".join("?" * len(concerned))
    groups = {r["organization_id"]: r["log_group_arn"] for r in tx.all(
        f"SELECT organization_id, log_group_arn FROM email_monitoring WHERE organization_id IN ({marks})",
        sorted(concerned))}
    found: list[tuple[str, dict[str, Any]]] = []
    trace, sender, sent_from = message.trace_id, message.sender, message.from_header or message.sender
    subject = message.subject or ""
    if message.sender_organization_id in groups:
        found.append((groups[message.sender_organization_id], _event(
            "OUTGOING_EMAIL_SUBMITTED", trace, recipients=list(message.routes), sender=sender, **{"from": sent_from},
            subject=subject)))
    for organization_id, (addresses, mailboxes) in receiving.items():
        if organization_id not in groups:
            continue
        group = groups[organization_id]
        found.append((group, _event(
            "ORGANIZATION_EMAIL_RECEIVED", trace, recipients=addresses, sender=sender, **{"from": sent_from},
            subject=subject, messageId=message.message_id, spamVerdict="DISABLED", dkimVerdict="GRAY",
            dmarcVerdict="GRAY" if enforced(tx, organization_id) else "DISABLED", spfVerdict="GRAY",
            messageTimestamp=to_epoch_millis(now))))
        for mailbox in mailboxes.values():
            recipient = mailbox.email or mailbox.entity_id
            if message.results.get(mailbox.entity_id) == DELIVERED:
                found.append((group, _event("MAILBOX_EMAIL_DELIVERED", trace, recipient=recipient, folder=INBOX)))
            else:
                found.append((group, _event("INCOMING_EMAIL_BOUNCED", trace, bouncedRecipient=recipient)))
    return found


def log_file(root: Path, log_group_arn: str) -> Path:
    """Where a log group's events go under ``root`` (see the module docstring)."""
    # arn:<partition>:logs:<region>:<account>:log-group:<name>:*
    parts = log_group_arn.split(":")
    region, account, name = parts[3], parts[4], ":".join(parts[6:-1])
    return root / account / region / f"{quote(name, safe='')}.jsonl"


class EventLog:
    """The local files of every log group; :meth:`write` does file I/O (call it off the loop)."""

    def __init__(self, settings: Settings) -> None:
        self.root: Path | None = None if settings.in_memory else (
            (settings.resolved_data_dir or default_data_dir()) / "logs")
        self._lock = threading.Lock()  # whole lines, even from concurrent deliveries

    def write(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """Append each event as one JSON line to its log group's file."""
        with self._lock:
            if self.root is None:
                self.root = Path(tempfile.mkdtemp(prefix="workmail-local-logs-"))
                log.info("email events: %s", self.root)
            for group, event in events:
                path = log_file(self.root, group)
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with path.open("ab") as handle:
                        handle.write(orjson.dumps(event) + b"\n")
                except OSError as exc:  # a full disk must not lose the message, only its event
                    log.warning("email events: could not write %s: %s", path, exc.strerror or exc)
