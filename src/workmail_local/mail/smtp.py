"""SMTP submission (aiosmtpd) on the server's own event loop, under the same login rules as IMAP.

``AUTH PLAIN`` and ``AUTH LOGIN`` with the email address as the user name; the secret is
checked by the one authentication decision (``mailbox_auth.decision.authenticate``) with
protocol ``SMTP``, run in rounds (``slow.in_rounds``) so argon2 never runs on the loop
nor under the store's lock. Nothing is relayed before AUTH (530). Then:

- ``MAIL FROM`` must be an address the user may send as (``senders``), else 550;
- each ``RCPT TO`` is resolved from the directory (``recipients``): nobody → 550 5.1.1,
  a mailbox that the declared ``SIZE`` would overfill → 552 5.2.2 (for that recipient);
- ``DATA``: ``From:``/``Sender:`` checked (550), larger than ``--max-message-bytes`` →
  552 (aiosmtpd), then delivered through Dovecot's LMTP off the loop (``delivery``) and
  outside addresses queued. One log line per accepted message; never a body or secret;
  and the email monitoring events of the organizations concerned (``events``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import warnings
from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import TYPE_CHECKING, Any, TypeVar

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from workmail_local.access_log import escape
from workmail_local.context import RequestContext
from workmail_local.mail import delivery, events
from workmail_local.mail.recipients import LOCAL, OUTBOUND, UNKNOWN, Mailbox, Resolution, resolve
from workmail_local.mail.senders import Rights, rights_of
from workmail_local.mailbox_auth.decision import Decision, authenticate
from workmail_local.slow import in_rounds

if TYPE_CHECKING:
    from workmail_local.app import App

T = TypeVar("T")
log = logging.getLogger("workmail_local.mail")
HOSTNAME = "workmail-local"


class _Submission(SMTP):
    """aiosmtpd's SMTP with AUTH answered asynchronously by the authentication decision."""

    def __init__(self, handler: Handler, **kwargs: Any) -> None:
        with warnings.catch_warnings():
            # auth_require_tls=False: aiosmtpd cannot see implicit TLS; plain SMTP is loopback only.
            warnings.simplefilter("ignore")
            super().__init__(handler, **kwargs)
        self.workmail = handler

    def _authenticate(self, mechanism: str, auth_data: Any) -> AuthResult:
        # aiosmtpd's PLAIN and LOGIN parse the exchange, then call this synchronously: hand
        # the credentials back, to be decided by the awaited check below.
        return AuthResult(success=False, handled=False, auth_data=auth_data)

    async def auth_PLAIN(self, _: Any, args: list[str]) -> AuthResult:  # noqa: N802 - aiosmtpd's name
        return await self._decide(await super().auth_PLAIN(_, args))

    async def auth_LOGIN(self, _: Any, args: list[str]) -> AuthResult:  # noqa: N802 - aiosmtpd's name
        return await self._decide(await super().auth_LOGIN(_, args))

    async def _decide(self, result: AuthResult) -> AuthResult:
        credentials = result.auth_data
        if not isinstance(credentials, LoginPassword):
            return result  # the exchange itself failed and was answered
        username = credentials.login.decode("utf-8", "replace")
        secret = credentials.password.decode("utf-8", "replace")
        peer = self.session.peer if self.session is not None else None
        source_ip = peer[0] if isinstance(peer, tuple) else None
        decision = await self.workmail.authenticate(username, secret, source_ip)
        if decision.authenticated:
            return AuthResult(success=True, auth_data=decision)
        return AuthResult(success=False, handled=False)


def _text(value: Any) -> str | None:
    """A header's value as text (compat32 gives a Header object for encoded words)."""
    return None if value is None else str(value)


def _declared_size(options: list[str]) -> int:
    for option in options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return 0


class Handler:
    """aiosmtpd's hooks for one server: the App's store, clock and settings."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.events = events.EventLog(app.settings)

    def _read(self, work: Callable[[RequestContext], T]) -> T:
        def run(tx: Any) -> T:
            ctx = RequestContext(account="", region="", request_id="smtp", operation=None,  # type: ignore[arg-type]
                                 tx=tx, now=self.app._now(tx), settings=self.settings,  # noqa: SLF001
                                 tokens=self.app.tokens)
            return work(ctx)
        return self.app.store.run(run, durable=False)

    async def authenticate(self, username: str, secret: str, source_ip: str | None) -> Decision:
        """The one decision, protocol SMTP, with the slow work off the loop."""
        return await in_rounds(lambda: self.app.store.run(
            lambda tx: authenticate(tx, username, secret, "SMTP", self.app._now(tx),  # noqa: SLF001
                                    source_ip=source_ip), durable=False))

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, mail_options: list[str]) -> str:
        decision: Decision = session.auth_data
        rights = self._read(lambda ctx: rights_of(ctx, decision.user_id or ""))
        if not address or not rights.may_use_envelope(address):
            return f"550 5.7.60 You may not send as <{address}>: use your own address or one you have SEND_AS on"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        envelope.workmail_rights = rights  # type: ignore[attr-defined]
        envelope.workmail_size = _declared_size(mail_options)  # type: ignore[attr-defined]
        envelope.workmail_routes = {}  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        resolution = self._read(lambda ctx: resolve(ctx, address))
        if resolution.outcome == UNKNOWN:
            return f"550 5.1.1 <{address}>: no such recipient here"
        if resolution.outcome == LOCAL:
            if self.settings.lmtp is None:
                return "451 4.3.0 Mailbox delivery is not configured (serve --lmtp HOST:PORT)"
            size = getattr(envelope, "workmail_size", 0)
            fitting = [m for m in resolution.mailboxes if not await self._over_quota(m, size)]
            if not fitting:
                return f"552 5.2.2 <{address}>: mailbox full (over its quota)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        envelope.workmail_routes[address] = resolution  # type: ignore[attr-defined]
        return "250 OK"

    async def _over_quota(self, mailbox: Mailbox, size: int) -> bool:
        # Reading the Maildir's sizes is file I/O: not on the loop.
        return await asyncio.to_thread(delivery.over_quota, self.settings, mailbox, size)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content: bytes = envelope.original_content or b""
        headers = BytesHeaderParser(policy=compat32).parsebytes(content)
        rights: Rights = envelope.workmail_rights  # type: ignore[attr-defined]
        refusal = rights.header_refusal(envelope.mail_from or "", headers.get("From"), headers.get("Sender"))
        if refusal is not None:
            return f"550 5.7.60 {refusal}"
        message_id = str(headers.get("Message-ID") or "").strip().strip("<>")
        if not message_id:
            message_id = f"{delivery.new_message_id()}@{HOSTNAME}"
            content = f"Message-ID: <{message_id}>\r\n".encode() + content
        routes: dict[str, Resolution] = envelope.workmail_routes  # type: ignore[attr-defined]
        answer, results = await self._deliver(envelope.mail_from or "", routes, content, message_id,
                                              headers.get("Subject"))
        if answer.startswith("250"):
            decision: Decision = session.auth_data
            await self._record(events.Accepted(
                delivery.new_message_id(), message_id, envelope.mail_from or "", _text(headers.get("From")),
                _text(headers.get("Subject")), decision.organization_id, routes, results))
        return answer

    async def _record(self, accepted: events.Accepted) -> None:
        """The email monitoring events of an accepted message: read on the loop (one quick
        query), written to their files off it."""
        found = self._read(lambda ctx: events.events_of(ctx.tx, accepted, ctx.now))
        if found:
            await asyncio.to_thread(self.events.write, found)

    async def _deliver(self, sender: str, routes: dict[str, Resolution], content: bytes, message_id: str,
                       subject: str | None) -> tuple[str, dict[str, str]]:
        """The DATA answer, and each mailbox's delivery result."""
        size = len(content)
        mailboxes: dict[str, Mailbox] = {}
        for resolution in routes.values():
            for mailbox in resolution.mailboxes:
                mailboxes.setdefault(mailbox.entity_id, mailbox)  # each final recipient once
        results = {m.entity_id: delivery.QUOTA_EXCEEDED for m in mailboxes.values()
                   if await self._over_quota(m, size)}
        wanted = [entity_id for entity_id in mailboxes if entity_id not in results]
        outside = [address for address, r in routes.items() if r.outcome == OUTBOUND]
        if self.settings.lmtp is not None:
            results.update(await delivery.deliver(self.settings.lmtp, sender, wanted, content))
        if outside:
            self.app.store.run(lambda tx: delivery.queue_outbound(
                tx, self.app._now(tx), message_id, sender, outside, subject, size))  # noqa: SLF001
        self._log(message_id, sender, routes, results, size)
        delivered = sum(result == delivery.DELIVERED for result in results.values())
        if delivered or outside:
            return f"250 2.0.0 OK {message_id}", results
        if results and all(result == delivery.QUOTA_EXCEEDED for result in results.values()):
            return "552 5.2.2 Every recipient's mailbox is full (over its quota)", results
        return "451 4.3.0 The message could not be delivered now: try again later", results

    @staticmethod
    def _log(message_id: str, sender: str, routes: dict[str, Resolution], results: dict[str, str], size: int) -> None:
        parts = []
        for address, resolution in routes.items():
            if resolution.outcome == OUTBOUND:
                parts.append(f"{escape(address)}=queued")
            else:
                outcome = ",".join(f"{m.entity_id}:{results.get(m.entity_id, '-')}"
                                   for m in resolution.mailboxes)
                parts.append(f"{escape(address)}={outcome}")
        log.info("mail message_id=%s from=%s recipients=%d size=%d results=%s", escape(message_id),
                 escape(sender), len(routes), size, ";".join(parts))


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def start(app: App, sock: socket.socket, tls: ssl.SSLContext | None) -> asyncio.AbstractServer:
    """Serve SMTP submission on ``sock`` (implicit TLS when ``tls`` is given) on the running loop."""
    # aiosmtpd logs every command at debug level, AUTH exchanges included: keep it to errors.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    handler = Handler(app)
    loop = asyncio.get_running_loop()

    def protocol() -> _Submission:
        return _Submission(handler, hostname=HOSTNAME, ident="WorkMail Local ESMTP", loop=loop,
                           auth_required=True, auth_require_tls=False,
                           data_size_limit=app.settings.max_message_bytes)

    return await loop.create_server(protocol, sock=sock, ssl=tls)
