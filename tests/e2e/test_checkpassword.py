"""The checkpassword adapter as Dovecot runs it (credentials on fd 3, $SERVICE, a reply
program), and the Dovecot configuration it is wired into."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.world import DIRECTORY_PASSWORD, build_world
from workmail_local.mailbox_auth import dovecot
from workmail_local.mailbox_auth.checkpassword import protocol_for

# The reply program: prints what it was given, as Dovecot's checkpassword-reply would use it.
REPLY = [sys.executable, "-c", "import os, sys; print('REPLY', os.environ['USER'], *sys.argv[1:])", "arg1"]


def run_checkpassword(endpoint: str, username: str, secret: str, service: str | None = "imap",
                      reply: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.write(write_end, f"{username}\0{secret}\0".encode())
    os.close(write_end)
    env = {k: v for k, v in os.environ.items() if k != "SERVICE"}
    if service is not None:
        env["SERVICE"] = service
    try:
        return subprocess.run(
            [sys.executable, "-m", "workmail_local", "checkpassword", "--endpoint", endpoint,
             *(REPLY if reply is None else reply)],
            # Dovecot hands the credentials over on descriptor 3.
            preexec_fn=lambda: os.dup2(read_end, 3), close_fds=False,
            env=env, capture_output=True, text=True, timeout=30,
        )
    finally:
        os.close(read_end)


def test_success_execs_the_reply_program_with_user_set(server) -> None:
    world = build_world(server, configure=False)
    done = run_checkpassword(server.url, world.email, DIRECTORY_PASSWORD)
    assert done.returncode == 0, done.stderr
    # USER is the user's ID: Dovecot's user name from here on, so the mailbox is
    # <mail-dir>/<entity-id>, where LMTP delivers (mail/mailstore.py).
    assert done.stdout.strip() == f"REPLY {world.user_id} arg1"


def test_refusal_exits_1(server) -> None:
    world = build_world(server, configure=False)
    done = run_checkpassword(server.url, world.email, "Wrong-Password-1")
    assert done.returncode == 1 and "REPLY" not in done.stdout
    assert "Wrong-Password-1" not in done.stderr


def test_server_down_exits_111(server) -> None:
    done = run_checkpassword("http://127.0.0.1:9", "ann@acme.awsapps.com", "secret")
    assert done.returncode == 111
    assert "unreachable" in done.stderr and "secret" not in done.stderr


def test_protocol_comes_from_service(server) -> None:
    world = build_world(server)
    token = world.token(Scopes=["SMTP"])
    assert run_checkpassword(server.url, world.email, token, service="submission").returncode == 0
    assert run_checkpassword(server.url, world.email, token, service="smtp").returncode == 0
    assert run_checkpassword(server.url, world.email, token, service="imap").returncode == 1
    assert run_checkpassword(server.url, world.email, token, service=None).returncode == 1  # unset: IMAP
    assert run_checkpassword(server.url, world.email, token, service="doveadm").returncode == 1


def test_service_names() -> None:
    assert protocol_for(None) == "IMAP" and protocol_for("") == "IMAP"
    assert protocol_for("imap") == "IMAP" and protocol_for("IMAP") == "IMAP"
    assert protocol_for("smtp") == "SMTP" and protocol_for("submission") == "SMTP"
    assert protocol_for("lmtp") is None


def test_without_fd_3_or_a_reply_program_it_is_a_usage_error(server) -> None:
    done = subprocess.run([sys.executable, "-m", "workmail_local", "checkpassword", "--endpoint", server.url,
                           "/bin/true"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "file descriptor 3" in done.stderr
    assert run_checkpassword(server.url, "a@b.c", "x", reply=[]).returncode == 2


def _doveconf_ok(config: Path) -> None:
    if shutil.which("doveconf") is None:
        if os.environ.get("CI"):
            pytest.fail("doveconf missing in CI (.ci/run installs dovecot-imapd)")
        pytest.skip("Dovecot is not installed: configuration syntax not checked")
    check = subprocess.run(["doveconf", "-n", "-c", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_config_for_root_keeps_dovecot_users_and_is_valid(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(dovecot, "_unreachable_parent", lambda directory: None)
    monkeypatch.setattr(os, "chown", lambda *args: None)
    command = dovecot.write_config(tmp_path / "dv", 14399, "http://127.0.0.1:8038")
    config = (tmp_path / "dv" / "dovecot.conf").read_text()
    assert command == f"dovecot -F -c {tmp_path / 'dv' / 'dovecot.conf'}"
    assert "default_internal_user = dovecot" in config and "user = root" in config
    assert "address = 127.0.0.1" in config and "port = 14399" in config
    wrapper = (tmp_path / "dv" / "checkpassword").read_text()
    assert "checkpassword --endpoint http://127.0.0.1:8038" in wrapper
    _doveconf_ok(tmp_path / "dv" / "dovecot.conf")


def test_config_for_an_ordinary_user_runs_everything_as_that_user(tmp_path, monkeypatch) -> None:
    import pwd

    me = pwd.getpwuid(os.getuid())
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: me)
    dovecot.write_config(tmp_path / "dv", 14400, "http://127.0.0.1:8038")
    config = (tmp_path / "dv" / "dovecot.conf").read_text()
    assert f"default_internal_user = {me.pw_name}" in config and f"default_login_user = {me.pw_name}" in config
    assert "service auth {" not in config  # the auth process runs as the caller too
    assert f"uid={me.pw_uid}" in config
    assert str(tmp_path / "dv") in config and "/etc/dovecot" not in config
    _doveconf_ok(tmp_path / "dv" / "dovecot.conf")


def test_root_refuses_a_directory_nobody_cannot_reach(tmp_path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root hands mail to nobody")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    done = subprocess.run([sys.executable, "-m", "workmail_local", "dovecot-config", "--dir", str(private / "dv"),
                           "--port", "14401", "--endpoint", "http://127.0.0.1:8038"], capture_output=True, text=True)
    assert done.returncode == 1 and "must be reachable by the mail user nobody" in done.stderr
