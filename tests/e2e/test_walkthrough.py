"""The README's walk-through, ``examples/walkthrough.sh``, run as a new user would run it:
against a fresh server, with the project venv's ``aws``, ``workmail-local`` and Python
(with pyotp) first on PATH, and a real Dovecot.

Skipped only when Dovecot is not installed, and never in CI (``CI`` set): there a
missing Dovecot is a failure, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.dovecot_rig import free_port, rig_directory
from workmail_local.testing import LocalServer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "walkthrough.sh"
README_SECTION = "## Walk-through: IdC sign-in, a personal access token, an IMAP login"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def tools() -> None:
    """The script's tools, or a skip (no Dovecot, outside CI) or a failure."""
    if shutil.which("dovecot") is None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot is not installed, and CI must run the walk-through (.ci/run installs dovecot-imapd)")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd): the walk-through needs it")
    for tool in ("aws", "workmail-local"):
        if not (VENV_BIN / tool).exists():
            pytest.fail(f"{tool} is not installed next to {sys.executable} (scripts/setup installs it)")


@pytest.fixture
def fresh_server() -> Iterator[LocalServer]:
    """A new server as the README starts it: SMTPS, delivering through the LMTP that the
    walk-through's Dovecot will serve, into a mail directory that Dovecot will share."""
    mail = rig_directory()
    with LocalServer(in_memory=True, extra_args=["--smtps-port", "0", "--lmtp", f"127.0.0.1:{free_port()}",
                                                 "--mail-dir", str(mail / "mail")]) as server:
        yield server
    shutil.rmtree(mail, ignore_errors=True)


def walkthrough_env(endpoint: str, tmp_path: Path, run: str, **extra: str) -> dict[str, str]:
    """The script's environment: the venv's tools first on PATH, the machine's AWS
    configuration kept out (empty config and credentials files)."""
    (tmp_path / "aws-config").write_text("")
    (tmp_path / "aws-credentials").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("PYTHON", "IMAP_PORT", "IMAPS_PORT")}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        ENDPOINT=endpoint,
        RUN=run,
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        **extra,
    )
    return env


def walkthrough(endpoint: str, tmp_path: Path, run: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``examples/walkthrough.sh`` against ``endpoint``; stdout and stderr together, as a user sees them."""
    return subprocess.run(["bash", str(SCRIPT)], env=walkthrough_env(endpoint, tmp_path, run, **extra),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)


def one(pattern: str, output: str) -> str:
    """The first group of ``pattern``'s only match in the output."""
    matches = re.findall(pattern, output, re.MULTILINE)
    assert len(matches) == 1, f"{pattern!r} matched {len(matches)} times in:\n{output}"
    return matches[0]


@pytest.mark.usefixtures("tools")
def test_walkthrough_runs_start_to_finish_and_again(fresh_server: LocalServer, tmp_path: Path) -> None:
    result = walkthrough(fresh_server.url, tmp_path, run="1")
    out = result.stdout
    assert result.returncode == 0, out

    org_id = one(r"^OrganizationId: (m-[0-9a-f]{32})$", out)
    user_id = one(r"^UserId: (\S+)  Email: ann-1@acme-1\.awsapps\.com$", out)
    idc_user_id = one(r"^IdC UserId: (\S+)$", out)
    store_id = one(r"IdentityStoreId: (d-[0-9a-f]{10})$", out)
    assert one(r"^ApplicationArn: (arn:aws:sso::123456789012:application/ssoins-[0-9a-f]{16}/apl-\w{16})$", out)
    assert f"USER\t{idc_user_id}\n" in out
    assert '"AuthenticationMode": "IDENTITY_PROVIDER_ONLY"' in out
    assert '"LifetimeInDays": 30' in out
    # MFA: the password alone is refused, the password and the authenticator code open a session.
    assert one(r'^(\{"__type":"AuthenticationFailed".*\} HTTP 401)$', out)
    assert one(r"^Authenticator code: (\d{6})$", out)
    assert one(r'^\{"SessionToken":"(wmlidc_[^"]+)"', out)
    # The sign-in linked the WorkMail user to the IdC user.
    assert f"{idc_user_id}\t{store_id}\n" in out
    token_id = one(r'^\{"PersonalAccessTokenId":"([^"]+)","Token":"wmpat_', out)
    # A real Dovecot let the token in and refused the directory password.
    dovecot_dir = Path(one(r"^Dovecot configuration written to (.+)/dovecot\.conf$", out))
    dovecot_pid = one(r"^Dovecot is listening on 127\.0\.0\.1:\d+ \(pid (\d+)\)$", out)
    assert "IMAP LOGIN OK: Logged in\nIMAP SELECT INBOX OK: 0 messages\n" in out
    assert "IMAP LOGIN refused: [AUTHENTICATIONFAILED] Authentication failed.\n" in out
    assert '{"Authenticated":false,"Reason":"DIRECTORY_PASSWORD_DISABLED"}\n' in out
    assert '"DateLastUsed": ' in out
    # The token sent over SMTPS to the group's alias; both members read it over IMAPS.
    assert one(r"^(SMTPS 127\.0\.0\.1:\d+: sent to everyone-1@acme-1\.awsapps\.com, refused: none)$", out)
    assert "IMAPS ann-1@acme-1.awsapps.com INBOX: Hello, team\n" in out
    assert "IMAPS bob-1@acme-1.awsapps.com INBOX: Hello, team\n" in out
    assert out.rstrip().endswith(
        "Dovecot stopped\n\nWalk-through complete: ann-1@acme-1.awsapps.com signed in with MFA, "
        "created a token and read INBOX over IMAP with it.\nWith it, mail went over SMTPS to "
        "everyone-1@acme-1.awsapps.com, and ann-1@acme-1.awsapps.com and bob-1@acme-1.awsapps.com read it over IMAPS.")

    # What the script printed is what the server holds.
    workmail = fresh_server.client("workmail")
    config = workmail.describe_identity_provider_configuration(OrganizationId=org_id)
    assert config["AuthenticationMode"] == "IDENTITY_PROVIDER_ONLY"
    assert workmail.describe_user(OrganizationId=org_id, UserId=user_id)["IdentityProviderUserId"] == idc_user_id
    [summary] = workmail.list_personal_access_tokens(OrganizationId=org_id,
                                                     UserId=user_id)["PersonalAccessTokenSummaries"]
    assert summary["PersonalAccessTokenId"] == token_id
    assert summary["DateLastUsed"] >= summary["DateCreated"]
    # Dovecot is gone, and so is its directory.
    assert not dovecot_dir.exists()
    cmdline = Path(f"/proc/{dovecot_pid}/cmdline")
    assert not cmdline.exists() or b"dovecot" not in cmdline.read_bytes()

    # Its own names for each run: it runs again on the same server.
    again = walkthrough(fresh_server.url, tmp_path, run="2")
    assert again.returncode == 0, again.stdout
    assert "Walk-through complete: ann-2@acme-2.awsapps.com" in again.stdout


@pytest.mark.usefixtures("tools")
def test_walkthrough_fails_when_a_step_fails(fresh_server: LocalServer, tmp_path: Path) -> None:
    fresh_server.client("workmail").create_organization(Alias="acme-7")
    result = walkthrough(fresh_server.url, tmp_path, run="7")
    assert result.returncode != 0, result.stdout
    assert "NameAvailabilityException" in result.stdout
    assert "==> 2." not in result.stdout
    assert "Walk-through complete" not in result.stdout


@pytest.mark.usefixtures("tools")
def test_walkthrough_fails_without_a_server(tmp_path: Path) -> None:
    with LocalServer(in_memory=True) as server:
        endpoint = server.url
    result = walkthrough(endpoint, tmp_path, run="8", WAIT="1")
    assert result.returncode == 1, result.stdout
    assert (f"walkthrough: no WorkMail Local at {endpoint} after 1 s: start one (scripts/serve) or set ENDPOINT"
            in result.stdout)
    assert "Walk-through complete" not in result.stdout


@pytest.mark.usefixtures("tools")
def test_walkthrough_waits_for_a_server_that_is_still_starting(tmp_path: Path) -> None:
    # A server started at once after the script (and one without SMTPS: the mail steps are skipped).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = subprocess.Popen(["bash", str(SCRIPT)], env=walkthrough_env(f"http://127.0.0.1:{port}", tmp_path, "9"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1)  # the script is already asking; the server is not up yet
        with LocalServer(in_memory=True, extra_args=["--port", str(port)]):
            out, _ = script.communicate(timeout=300)
    finally:
        if script.poll() is None:
            script.kill()
            script.wait()
    assert script.returncode == 0, out
    assert "Walk-through complete: ann-9@acme-9.awsapps.com" in out
    assert "SMTPS" not in out.split('{"Smtps":null', 1)[1] and "==> 14. Stop Dovecot" in out


def test_readme_shows_the_scripts_own_commands() -> None:
    """Every line of the README walk-through's ``bash`` blocks is (part of) a line of the
    script, so the README cannot drift from what the test above runs."""
    readme = (ROOT / "README.md").read_text()
    assert README_SECTION in readme
    section = readme.split(README_SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 5
    script_lines = SCRIPT.read_text().splitlines()
    for line in "".join(blocks).splitlines():
        assert any(line in script_line for script_line in script_lines), f"not in {SCRIPT.name}: {line}"
