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


def require_dovecot() -> None:
    if shutil.which("dovecot") is None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot is not installed, and CI must run the IMAP tests (.ci/run installs dovecot-imapd)")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd): IMAP tests skipped")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    """Dovecot in the foreground, configured for one WorkMail Local endpoint."""

    def __init__(self, endpoint: str) -> None:
        self.directory = rig_directory()
        self.port = free_port()
        out = subprocess.run(
            [sys.executable, "-m", "workmail_local", "dovecot-config", "--dir", str(self.directory),
             "--port", str(self.port), "--endpoint", endpoint],
            check=True, capture_output=True, text=True,
        ).stdout
        self.command = out.strip().splitlines()[-1]
        self.process = subprocess.Popen(shlex.split(self.command), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
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
