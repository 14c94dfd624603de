"""A real Dovecot (IMAP) in front of a WorkMail Local server, for the IMAP tests.

Dovecot is configured by ``workmail-local dovecot-config`` and started with the exact
command that prints. Tests that need it skip when Dovecot is not installed — except in
CI (``CI`` set), where a missing Dovecot is a failure: ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest


def rig_directory() -> Path:
    """A fresh directory under the system temp folder: run as root, Dovecot's mail user
    (nobody) must be able to reach it, which pytest's private tmp folders do not allow."""
    path = Path(tempfile.mkdtemp(prefix="workmail-local-dovecot-"))
    path.chmod(0o755)
    return path


def require_dovecot(lmtp: bool = False) -> None:
    if lmtp and not Path("/usr/lib/dovecot/lmtp").exists() and shutil.which("dovecot") is not None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot's LMTP is not installed, and CI must run the mail tests (.ci/run installs "
                        "dovecot-lmtpd)")
        pytest.skip("Dovecot's LMTP is not installed (apt-get install dovecot-lmtpd): mail tests skipped")
    if shutil.which("dovecot") is None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot is not installed, and CI must run the IMAP tests (.ci/run installs dovecot-imapd)")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd): IMAP tests skipped")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    """Dovecot in the foreground, configured for one WorkMail Local endpoint; with
    ``extra`` (``--lmtp-port``, ``--imaps-port``, ``--tls-cert`` … of dovecot-config) more services."""

    def __init__(self, endpoint: str, directory: Path | None = None, extra: list[str] | None = None,
                 wait_for: tuple[int, ...] = ()) -> None:
        self.directory = directory or rig_directory()
        self.port = free_port()
        out = subprocess.run(
            [sys.executable, "-m", "workmail_local", "dovecot-config", "--dir", str(self.directory),
             "--port", str(self.port), "--endpoint", endpoint, *(extra or [])],
            check=True, capture_output=True, text=True,
        ).stdout
        self.command = out.strip().splitlines()[-1]
        self.process = subprocess.Popen(shlex.split(self.command), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        waiting = [self.port, *wait_for]
        while time.monotonic() < deadline and waiting:
            try:
                socket.create_connection(("127.0.0.1", waiting[0]), timeout=1).close()
                waiting.pop(0)
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        if not waiting:
            return
        self.stop()
        raise RuntimeError(f"Dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop Dovecot and remove its directory."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


class MailRig:
    """A WorkMail Local server serving SMTPS and plain SMTP, delivering through LMTP into a
    Dovecot that serves IMAPS with the certificate the server generated."""

    def __init__(self) -> None:
        from workmail_local.testing import LocalServer

        self.directory = rig_directory()
        self.lmtp_port, self.imaps_port = free_port(), free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="workmail-local-mail-data-"))
        self.server = LocalServer(data_dir=self.data_dir, extra_args=[
            "--smtps-port", "0", "--smtp-port", "0", "--lmtp", f"127.0.0.1:{self.lmtp_port}",
            "--mail-dir", str(self.directory / "mail"), "--max-message-bytes", str(2 * 1024 * 1024)])
        self.server.start()
        printed: dict[str, str] = {}
        assert self.server.process is not None and self.server.process.stdout is not None
        while "SMTP" not in printed:
            line = self.server.process.stdout.readline().strip()
            assert line, "the server stopped printing before SMTP on …"
            name, _, value = line.partition(" on " if " on " in line else ": ")
            printed[name] = value
        self.cert = Path(printed["TLS certificate"])
        self.smtps_port = int(printed["SMTPS"].rpartition(":")[2])
        self.smtp_port = int(printed["SMTP"].rpartition(":")[2])
        self.dovecot = Dovecot(self.server.url, self.directory, [
            "--lmtp-port", str(self.lmtp_port), "--imaps-port", str(self.imaps_port),
            "--tls-cert", str(self.cert), "--tls-key", str(self.cert.with_suffix(".key"))],
            wait_for=(self.lmtp_port, self.imaps_port))

    def stop(self) -> None:
        self.dovecot.stop()
        self.server.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
