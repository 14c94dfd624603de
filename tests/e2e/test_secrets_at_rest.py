"""Secrets at rest: nothing a client could use to sign in is in the database files.

TOTP secrets are sealed with a key kept outside the database (``<data-dir>/secrets.key``,
mode 0600, or ``--secrets-key-file``); passwords, personal access tokens and session
tokens are stored as hashes only."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pyotp

from tests.e2e.world import DIRECTORY_PASSWORD, IDC_PASSWORD, build_world
from workmail_local.testing import LocalServer

DATABASE = "workmail-local.sqlite3"


def database_bytes(data: Path) -> bytes:
    """The database and its write-ahead log and shared-memory files, as they are on disk."""
    return b"".join(p.read_bytes() for p in sorted(data.glob(DATABASE + "*")) if not p.name.endswith(".lock"))


def signs_in_with_mfa(server: LocalServer, world, totp: pyotp.TOTP) -> bool:  # noqa: ANN001
    now = server.control("GET", "/clock")[1]["now"]
    return world.sign_in(otp=totp.at(now))[0] == 200


def test_no_secret_a_client_was_given_is_in_the_database_files(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        world = build_world(server, mfa=True)
        assert world.totp is not None
        totp_secret = world.totp.secret
        session = world.session()
        token = world.token()
        # Every secret works: the PAT opens the mailbox, the session made it.
        assert world.authenticate(token)["Authenticated"] is True
        assert world.authenticate(DIRECTORY_PASSWORD)["Authenticated"] is True
        on_disk = database_bytes(data)
        key = (data / "secrets.key").read_bytes().strip()
    assert len(on_disk) > 0
    for secret in (totp_secret, DIRECTORY_PASSWORD, IDC_PASSWORD, token, session, key.decode()):
        assert secret.encode() not in on_disk, f"{secret[:6]}… is in the database files"
    assert stat.S_IMODE((data / "secrets.key").stat().st_mode) == 0o600
    # The sealed secret is read back with the key after a restart: MFA still works.
    with LocalServer(data_dir=data) as server:
        server.control("POST", "/clock", {"advance_seconds": 60})  # a fresh time step (codes are single-use)
        assert signs_in_with_mfa(server, world.__class__(**{**world.__dict__, "server": server}), world.totp)
    assert totp_secret.encode() not in database_bytes(data)


def test_a_secret_an_earlier_version_stored_in_clear_is_sealed_at_start_up(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        world = build_world(server, mfa=True)
    clear = pyotp.random_base32()
    with sqlite3.connect(data / DATABASE) as db:
        db.execute("UPDATE idc_credentials SET totp_secret = ?, totp_last_step = NULL", (clear,))
    with LocalServer(data_dir=data) as server:
        with sqlite3.connect(data / DATABASE) as db:
            stored = db.execute("SELECT totp_secret FROM idc_credentials WHERE totp_secret IS NOT NULL").fetchone()[0]
        assert stored.startswith("sealed1:") and clear not in stored
        assert signs_in_with_mfa(server, world.__class__(**{**world.__dict__, "server": server}), pyotp.TOTP(clear))


def test_another_key_for_a_database_with_sealed_secrets_stops_the_server(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        build_world(server, mfa=True)
    other = tmp_path / "other.key"
    result = subprocess.run([sys.executable, "-m", "workmail_local", "serve", "--port", "0", "--data-dir", str(data),
                             "--secrets-key-file", str(other)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"workmail-local: the secrets key ({other}) is not the key this database's secrets were sealed with "
        "(restore that key file, or use --secrets-key-file)"]
    # The key file named by the setting was made, private.
    assert stat.S_IMODE(other.stat().st_mode) == 0o600


def test_the_key_file_setting_is_used_and_made_private(tmp_path) -> None:
    data, key_file = tmp_path / "data", tmp_path / "keys" / "workmail.key"
    key_file.parent.mkdir()
    with LocalServer(data_dir=data, env={"WORKMAIL_LOCAL_SECRETS_KEY_FILE": str(key_file)}) as server:
        world = build_world(server, mfa=True)
        assert world.totp is not None and signs_in_with_mfa(server, world, world.totp)
    assert not (data / "secrets.key").exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().strip() not in database_bytes(data)


def test_an_unreadable_key_file_stops_the_server_with_one_line(tmp_path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    result = subprocess.run([sys.executable, "-m", "workmail_local", "serve", "--port", "0", "--data-dir",
                             str(tmp_path / "data"), "--secrets-key-file", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "does not hold a key" in result.stderr
