"""Dovecot's checkpassword protocol, answered by WorkMail Local's authentication endpoint.

Dovecot runs ``workmail-local checkpassword --endpoint URL REPLY-PROGRAM [ARGS…]`` with
``username\\0password\\0…`` on file descriptor 3, the protocol in ``$SERVICE`` and the
connecting client's address in ``$TCPREMOTEIP`` (or ``$IP``), which we pass on as
``SourceIp`` so the access control rules see it. On
success we exec the reply program (Dovecot's ``checkpassword-reply``); a refusal exits
1; a temporary failure (server down, a fault) exits 111, so Dovecot says "try again"
rather than "wrong password". Kept import-light: it starts once per login.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_TEMPORARY = 111

# Dovecot's $SERVICE → our protocol names. Unset means IMAP (the rule).
SERVICES = {"imap": "IMAP", "pop3": "IMAP", "smtp": "SMTP", "submission": "SMTP"}


def protocol_for(service: str | None) -> str | None:
    """The mailbox protocol of a Dovecot service name (``None``: not a mailbox login we know)."""
    if not service:
        return "IMAP"
    return SERVICES.get(service.lower())


def read_credentials(fd: int = 3) -> tuple[str, str]:
    """``(username, password)`` from the checkpassword descriptor."""
    data = b""
    while len(data) < 65536:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    parts = data.split(b"\0")
    if len(parts) < 2:
        raise ValueError("expected username\\0password\\0 on file descriptor 3")
    return parts[0].decode("utf-8", "replace"), parts[1].decode("utf-8", "replace")


def client_ip(environ: Mapping[str, str]) -> str | None:
    """The connecting client's address as Dovecot gives it (``None`` when it does not)."""
    return environ.get("TCPREMOTEIP") or environ.get("IP") or None


def authenticate(endpoint: str, username: str, secret: str, protocol: str, timeout: float = 10.0,
                 source_ip: str | None = None) -> dict:
    """POST to the mailbox authentication endpoint; its JSON answer."""
    body = {"Username": username, "Secret": secret, "Protocol": protocol}
    if source_ip is not None:
        body["SourceIp"] = source_ip
    request = urllib.request.Request(
        endpoint.rstrip("/") + "/_workmail-local/mailbox/authenticate",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own endpoint
        return json.loads(response.read())


def run(endpoint: str, reply: list[str]) -> int:
    """The whole checkpassword exchange; returns an exit status, or execs ``reply`` on success."""
    if not reply:
        print("workmail-local checkpassword: no reply program given", file=sys.stderr)
        return EXIT_USAGE
    try:
        username, secret = read_credentials()
    except OSError:
        print("workmail-local checkpassword: file descriptor 3 is not open (run it from Dovecot)", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"workmail-local checkpassword: {exc}", file=sys.stderr)
        return EXIT_USAGE
    protocol = protocol_for(os.environ.get("SERVICE"))
    if protocol is None:
        print(f"workmail-local checkpassword: service {os.environ.get('SERVICE')!r} is not a mailbox protocol",
              file=sys.stderr)
        return EXIT_REFUSED
    try:
        answer = authenticate(endpoint, username, secret, protocol, source_ip=client_ip(os.environ))
    except urllib.error.HTTPError as exc:
        # 4xx: our request was refused as malformed — a refusal; 5xx: the server failed — try later.
        print(f"workmail-local checkpassword: {endpoint} answered HTTP {exc.code}", file=sys.stderr)
        return EXIT_TEMPORARY if exc.code >= 500 else EXIT_REFUSED
    except (OSError, ValueError) as exc:
        print(f"workmail-local checkpassword: {endpoint} unreachable: {exc}", file=sys.stderr)
        return EXIT_TEMPORARY
    if not answer.get("Authenticated"):
        return EXIT_REFUSED
    # Dovecot takes $USER as the user name from here on (%u): the user's ID, so the mailbox
    # is <mail-dir>/<entity-id>, the home LMTP delivers to (mail/mailstore.py).
    os.environ["USER"] = answer.get("UserId") or username
    sys.stdout.flush()
    try:
        os.execvp(reply[0], reply)
    except OSError as exc:
        print(f"workmail-local checkpassword: cannot run {reply[0]}: {exc}", file=sys.stderr)
        return EXIT_TEMPORARY
    return EXIT_TEMPORARY  # not reached
