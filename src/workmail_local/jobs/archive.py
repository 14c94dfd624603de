"""A mailbox export archive: one ``.zip`` with one RFC 5322 ``.eml`` per message under its
folder path, and the output log WorkMail writes beside it.

Layout (WorkMail documents neither, so these are the emulator's choices):
``<folder path>/<message key>.eml`` — the folder path as the mail store names it
(``INBOX``, ``Sent``, ``Archive/2026``), the key Dovecot's Maildir gave the message — and
a directory entry ``<folder path>/`` for every folder, so empty folders are there too.
The output log (``<zip key>.json``) has WorkMail's string-valued fields: message, folder
and byte counts (``totalBytes``: the bytes of the messages), the zip's SHA-384 and the
start and end times in epoch milliseconds (the emulator's clock). Only messages are kept
in the mail store, so ``totalNonExportableItems`` is ``"0"``. Dovecot keeps messages with
bare LF line ends; each ``.eml`` has RFC 5322's CRLF, byte for byte what IMAP serves
(``BODY[]``), and ``totalBytes`` counts those bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from workmail_local.clock import to_epoch_millis
from workmail_local.mail import mailstore

_BARE_LF = re.compile(rb"(?<!\r)\n")


@dataclass(frozen=True, slots=True)
class Archive:
    """The zip's bytes and what is in it."""

    data: bytes
    messages: int
    folders: int
    message_bytes: int

    @property
    def sha384(self) -> str:
        return hashlib.sha384(self.data).hexdigest()

    def output_log(self, started_at: float, ended_at: float) -> bytes:
        """The output log JSON, every value a string as WorkMail writes it."""
        return orjson.dumps({
            "totalMessages": str(self.messages),
            "totalBytes": str(self.message_bytes),
            "totalFolders": str(self.folders),
            "totalNonExportableItems": "0",
            "sha384Hash": self.sha384,
            "startTime": str(to_epoch_millis(started_at)),
            "endTime": str(to_epoch_millis(ended_at)),
        }, option=orjson.OPT_INDENT_2)


def build(maildir: Path | None) -> Archive:
    """The archive of every message in every folder of ``maildir`` (an empty archive
    when there is no mail store or the mailbox has never received anything)."""
    buffer = io.BytesIO()
    messages = folders = total = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, folder in mailstore.folders(maildir) if maildir is not None else ():
            folders += 1
            archive.writestr(zipfile.ZipInfo(f"{path}/"), b"")
            for key in sorted(folder.keys()):
                try:
                    raw = folder.get_bytes(key)
                except KeyError:  # expunged while we read: it is no longer in the mailbox
                    continue
                raw = _BARE_LF.sub(b"\r\n", raw)
                archive.writestr(f"{path}/{key}.eml", raw)
                messages += 1
                total += len(raw)
    return Archive(buffer.getvalue(), messages, folders, total)
