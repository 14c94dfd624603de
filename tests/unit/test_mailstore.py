"""The mail store's layout: an entity's Maildir by ID, its folders and its size."""

from __future__ import annotations

import mailbox
from pathlib import Path

from workmail_local.config import Settings
from workmail_local.mail import mailstore


def test_no_mail_store_means_no_maildir_and_size_zero() -> None:
    assert mailstore.maildir_of(Settings(), "u-1") is None
    assert mailstore.size_bytes(None) == 0


def test_folders_and_size(tmp_path: Path) -> None:
    maildir = mailstore.maildir_of(Settings(mail_dir=tmp_path), "0f8fad5b-d9cb-469f-a165-70867728950e")
    assert maildir == tmp_path / "0f8fad5b-d9cb-469f-a165-70867728950e" / "Maildir"
    assert list(mailstore.folders(maildir)) == [] and mailstore.size_bytes(maildir) == 0
    maildir.parent.mkdir()
    inbox = mailbox.Maildir(maildir, create=True)
    first = b"Subject: one\r\n\r\nhello\r\n"
    inbox.add(first)
    sent = inbox.add_folder("Sent")
    archive = inbox.add_folder("Archive.2026")
    second = b"Subject: two\r\n\r\nworld, again\r\n"
    sent.add(second)
    archive.add(first)
    assert [name for name, _ in mailstore.folders(maildir)] == ["INBOX", "Archive/2026", "Sent"]
    assert mailstore.size_bytes(maildir) == 2 * len(first) + len(second)


def test_folder_names_are_decoded_from_imaps_modified_utf7(tmp_path: Path) -> None:
    inbox = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ("R&AOk-unions.2026", "Q&-A", "&ZeVnLIqe-", "Bad&AOk"):
        inbox.add_folder(name)
    assert [name for name, _ in mailstore.folders(tmp_path / "Maildir")] == [
        "INBOX", "\u65e5\u672c\u8a9e", "Bad&AOk", "Q&A", "R\u00e9unions/2026"]  # in the on-disk order
