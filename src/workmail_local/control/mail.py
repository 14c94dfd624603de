"""Mail: where it is served, and the outbound queue.

``GET /_workmail-local/mail`` → ``{"Smtps", "Smtp", "TlsCertificate", "TlsKey", "Lmtp",
"MailDir"}``: the SMTPS and SMTP addresses (``host:port``), the certificate's and key's
paths, the LMTP address and the mail directory, each ``null`` when not configured — so
a script can set Dovecot up to match (the README's walk-through does).

The outbound queue holds mail accepted for addresses outside every organization's mail domains.

``GET /_workmail-local/mail/outbound`` → ``{"Messages": [{"MessageId", "From",
"Recipients", "Subject", "Size", "Time"}]}``, oldest first (``Time`` in seconds since
the epoch, on the emulator's clock); ``DELETE`` clears it. Both are admin routes: the
queue shows who wrote to whom about what.
"""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlRequest, route
from workmail_local.mail.delivery import outbound_messages


@route("GET", "/mail")
def mail_info(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    names = ("Smtps", "Smtp", "TlsCertificate", "TlsKey", "Lmtp", "MailDir")
    return 200, {name: req.app.mail_info.get(name) for name in names}


@route("GET", "/mail/outbound", admin=True)
def list_outbound(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    return 200, {"Messages": outbound_messages(req.tx)}


@route("DELETE", "/mail/outbound", admin=True)
def clear_outbound(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    cleared = req.tx.execute("DELETE FROM outbound_messages")
    return 200, {"Cleared": cleared}
