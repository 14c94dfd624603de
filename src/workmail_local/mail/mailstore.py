"""Where a mailbox's messages are: Dovecot's Maildir of each user (or resource), by ID.

Dovecot keeps every mailbox under one directory (``serve --mail-dir``, the ``mail``
folder of ``dovecot-config``'s directory): ``<mail-dir>/<entity-id>/Maildir``, keyed by
the entity's ID rather than an address, so a mailbox survives address changes. This
module is the one place that knows the layout: delivery, GetMailboxDetails' size and
mailbox export read it through these functions.
"""

from __future__ import annotations

import base64
import mailbox
import re
from collections.abc import Iterator
from pathlib import Path

from workmail_local.config import Settings


def maildir_of(settings: Settings, entity_id: str) -> Path | None:
    """The entity's Maildir, or ``None`` when no mail store is configured."""
    if settings.mail_dir is None:
        return None
    return settings.mail_dir / entity_id / "Maildir"


def _decoded(name: str) -> str:
    """A folder name as a person reads it: Dovecot keeps IMAP's modified UTF-7 on disk
    (RFC 3501 §5.1.3: ``R&AOk-unions`` is ``Réunions``, ``&-`` is ``&``)."""
    def one(match: re.Match[str]) -> str:
        encoded = match.group(1)
        if not encoded:
            return "&"
        padded = encoded.replace(",", "/") + "=" * (-len(encoded) % 4)
        try:
            return base64.b64decode(padded).decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            return match.group(0)  # not modified UTF-7 after all: keep it as it is
    return re.sub(r"&([A-Za-z0-9+,]*)-", one, name)


def folders(maildir: Path) -> Iterator[tuple[str, mailbox.Maildir]]:
    """Every folder of a Maildir as ``(path, folder)``: ``INBOX`` first, then Dovecot's
    Maildir++ subfolders (``.Sent``, ``.Archive.2026``, ``.R&AOk-unions`` → ``Sent``,
    ``Archive/2026``, ``Réunions``)."""
    if not maildir.is_dir():
        return
    inbox = mailbox.Maildir(maildir, factory=None, create=False)
    yield "INBOX", inbox
    for name in sorted(inbox.list_folders()):
        yield "/".join(_decoded(level) for level in name.split(".")), inbox.get_folder(name)


def size_bytes(maildir: Path | None) -> int:
    """The bytes of every message file in the Maildir (0 when there is none)."""
    if maildir is None or not maildir.is_dir():
        return 0
    total = 0
    for _, folder in folders(maildir):
        for sub in ("cur", "new"):
            directory = Path(folder._path) / sub  # noqa: SLF001 - mailbox.Maildir keeps its path there
            if directory.is_dir():
                total += sum(f.stat().st_size for f in directory.iterdir() if f.is_file())
    return total
