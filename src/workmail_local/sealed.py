"""Secrets that must be read back (TOTP secrets, EWS availability passwords) are stored encrypted, with a key that is
not in the database.

Passwords, personal access tokens and session tokens are only ever compared, so they are
stored hashed; a TOTP secret must be read to compute the expected code, so it is sealed
with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``). The key:

- SQLite: ``<data-dir>/secrets.key``, created on first start with mode 0600;
- PostgreSQL: ``--secrets-key-file PATH`` (``WORKMAIL_LOCAL_SECRETS_KEY_FILE``), created
  with mode 0600 when absent; every process sharing the database must use the same file
  (default: ``secrets.key`` in the per-user data directory);
- in memory: a key made at start-up and never written.

The setting overrides the default for SQLite too. The database keeps a fingerprint of the
key (a SHA-256, which tells nothing of the key) so that a server given another key stops at
start-up instead of failing every MFA sign-in. Secrets stored in clear by earlier versions
are sealed at start-up (:meth:`SecretBox.seal_clear_secrets`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from workmail_local.config import Settings, default_data_dir
from workmail_local.store import Tx

#: Sealed values start with this, so clear ones from earlier versions are told apart.
PREFIX = "sealed1:"
KEY_FILE_NAME = "secrets.key"
# (table, key columns, sealed column) of every sealed secret.
SEALED_COLUMNS = (("idc_credentials", ("identity_store_id", "user_id"), "totp_secret"),
                  ("availability_configurations", ("organization_id", "domain_name"), "ews_password"))


class SecretsKeyError(Exception):
    """The secrets key file cannot be read or made, or is not this database's key."""


class SecretBox:
    """Seals and opens secrets with one key."""

    def __init__(self, key: bytes, source: str = "made for this process") -> None:
        self.key, self.source = key, source
        self._fernet = Fernet(key)

    @classmethod
    def ephemeral(cls) -> SecretBox:
        """A key that lives as long as the process (in-memory stores)."""
        return cls(Fernet.generate_key())

    @classmethod
    def from_file(cls, path: Path) -> SecretBox:
        """The key in ``path``, made there (mode 0600) when the file does not exist.

        The new key is written whole to a file of its own, then linked in as ``path`` (which
        fails if it exists): processes starting at once (workers, servers sharing
        PostgreSQL) never read a half-written key, and all end up with the one linked first."""
        if not path.exists():
            try:
                _create_key_file(path)
            except OSError as exc:
                raise SecretsKeyError(f"cannot create the secrets key file {path}: {exc.strerror}") from None
        try:
            key = path.read_bytes().strip()
            return cls(key, str(path))
        except OSError as exc:
            raise SecretsKeyError(f"cannot read the secrets key file {path}: {exc.strerror}") from None
        except ValueError:
            raise SecretsKeyError(f"the secrets key file {path} does not hold a key (32 url-safe base64 bytes "
                                  "as written by WorkMail Local)") from None

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(b"workmail-local secrets key\0" + self.key).hexdigest()

    def seal(self, secret: str) -> str:
        """``secret`` encrypted, as stored."""
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret a stored value holds (clear values from earlier versions pass through)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken:
            raise SecretsKeyError("a stored secret was sealed with another key") from None

    def check_database(self, tx: Tx) -> None:
        """Record this key's fingerprint, or stop when the database's sealed secrets need another key."""
        tx.execute("INSERT INTO meta (key, value) VALUES ('secrets_key_fingerprint', ?) ON CONFLICT (key) DO NOTHING",
                   (self.fingerprint,))
        if tx.value("SELECT value FROM meta WHERE key = 'secrets_key_fingerprint'") == self.fingerprint:
            return
        if any(tx.value(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE ?", (PREFIX + "%",))  # noqa: S608
               for table, _, column in SEALED_COLUMNS):
            raise SecretsKeyError(f"the secrets key ({self.source}) is not the key this database's secrets were "
                                  "sealed with (restore that key file, or use --secrets-key-file)")
        tx.execute("UPDATE meta SET value = ? WHERE key = 'secrets_key_fingerprint'", (self.fingerprint,))

    def seal_clear_secrets(self, tx: Tx) -> int:
        """Seal every secret an earlier version stored in clear; how many were sealed."""
        sealed = 0
        for table, keys, column in SEALED_COLUMNS:
            where = " AND ".join(f"{k} = ?" for k in keys)
            rows = tx.all(f"SELECT {', '.join(keys)}, {column} FROM {table}"  # noqa: S608 - fixed names
                          f" WHERE {column} IS NOT NULL AND {column} NOT LIKE ?", (PREFIX + "%",))
            for row in rows:
                tx.execute(f"UPDATE {table} SET {column} = ? WHERE {where}",  # noqa: S608
                           (self.seal(row[column]), *(row[k] for k in keys)))
                sealed += 1
        return sealed


def _create_key_file(path: Path) -> None:
    """A new key at ``path``, unless another process made one first (then that one stays)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def box_for(settings: Settings) -> SecretBox:
    """The secret box the settings call for: the ``--secrets-key-file``, else ``secrets.key``
    in the SQLite data directory, else (PostgreSQL) in the per-user data directory; an
    ephemeral key for an in-memory store."""
    if settings.in_memory:
        return SecretBox.ephemeral()
    if settings.secrets_key_file is not None:
        return SecretBox.from_file(settings.secrets_key_file)
    data_dir = settings.resolved_data_dir
    if data_dir is None:  # PostgreSQL without the setting: this user's own data directory
        data_dir = default_data_dir()
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return SecretBox.from_file(data_dir / KEY_FILE_NAME)
