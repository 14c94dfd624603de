"""The outbound queue: mail accepted for addresses outside every organization's mail domains.

``GET /_workmail-local/mail/outbound`` → ``{"Messages": [{"MessageId", "From",
"Recipients", "Subject", "Size", "Time"}]}``, oldest first (``Time`` in seconds since
the epoch, on the emulator's clock); ``DELETE`` clears it. Both are admin routes: the
queue shows who wrote to whom about what.
"""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlRequest, route
from workmail_local.mail.delivery import outbound_messages


@route("GET", "/mail/outbound", admin=True)
def list_outbound(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    return 200, {"Messages": outbound_messages(req.tx)}


@route("DELETE", "/mail/outbound", admin=True)
def clear_outbound(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    cleared = req.tx.execute("DELETE FROM outbound_messages")
    return 200, {"Cleared": cleared}
