"""A ready-to-run Dovecot configuration wired to the checkpassword adapter.

Everything lives under one directory and Dovecot listens on 127.0.0.1 only, on an
unprivileged port. Run as root (as CI does), Dovecot keeps its usual service users, the
auth process stays root (so the checkpassword program may live in a private folder) and
mail is owned by ``nobody`` (so the directory must be reachable by ``nobody``); run as an ordinary user, every process is that user.
"""

from __future__ import annotations

import os
import grp
import pwd
import shlex
import shutil
import sys
from pathlib import Path

REPLY_PROGRAM_CANDIDATES = ("/usr/lib/dovecot/checkpassword-reply", "/usr/libexec/dovecot/checkpassword-reply")


def find_reply_program() -> str:
    """Dovecot's ``checkpassword-reply`` (it ships with Dovecot, outside PATH)."""
    for candidate in REPLY_PROGRAM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("checkpassword-reply")
    if found:
        return found
    raise FileNotFoundError("Dovecot's checkpassword-reply was not found: is Dovecot installed?")


def _accounts() -> dict[str, str]:
    """Which users Dovecot's processes and the mail run as."""
    if os.geteuid() == 0:
        # Dovecot refuses to open mail as root: mail is ``nobody``'s.
        nobody = pwd.getpwnam("nobody")
        return {
            "internal_user": "dovecot", "internal_group": "dovecot", "login_user": "dovenull",
            "mail_uid": str(nobody.pw_uid), "mail_gid": str(nobody.pw_gid),
        }
    me = pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(os.getegid()).gr_name
    return {
        "internal_user": me.pw_name, "internal_group": group, "login_user": me.pw_name,
        "mail_uid": str(me.pw_uid), "mail_gid": str(os.getegid()),
    }


class ConfigError(Exception):
    """The configuration cannot work where it was asked for."""


def _unreachable_parent(directory: Path) -> Path | None:
    """The first folder above ``directory`` that other users cannot enter, if any."""
    for parent in directory.parents:
        if not parent.stat().st_mode & 0o001:
            return parent
    return None


def _services(port: int, lmtp_port: int | None, imaps_port: int | None) -> str:
    """The listeners: IMAP (plain) always, IMAPS and LMTP when asked for, all on 127.0.0.1."""
    text = f"""service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port or 0}
    ssl = yes
  }}
}}
"""
    if lmtp_port is not None:
        text += f"""service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""
    return text


def _tls(imaps_port: int | None, tls: tuple[Path, Path] | None) -> str:
    if imaps_port is None or tls is None:
        return "ssl = no\n"
    cert, key = (path.resolve() for path in tls)
    return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\nssl_min_protocol = TLSv1.2\n"


def write_config(directory: Path, port: int, endpoint: str, lmtp_port: int | None = None,
                 imaps_port: int | None = None, tls: tuple[Path, Path] | None = None,
                 mail_dir: Path | None = None) -> str:
    """Write ``dovecot.conf`` and the checkpassword wrapper into ``directory``; return the start command.

    Mailboxes are ``<mail_dir>/<entity-id>/Maildir`` (``mail_dir`` by default ``mail`` in
    ``directory``; ``mail/mailstore.py``): the checkpassword adapter makes the user's ID
    Dovecot's user name (``%u``) after a login, and LMTP delivers to ``RCPT TO:<entity-id>``,
    so both reach the same home."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    mail = (mail_dir or directory / "mail").resolve()
    for place in (directory, mail):
        if os.geteuid() == 0:
            blocked = _unreachable_parent(place)
            if blocked is not None:
                raise ConfigError(f"{place} must be reachable by the mail user nobody, but {blocked} is "
                                  f"mode {blocked.stat().st_mode & 0o777:o}: choose a directory under /tmp, say")
        place.mkdir(parents=True, exist_ok=True)
        if place == directory:
            directory.chmod(0o755)
    for sub in ("run", "state"):
        (directory / sub).mkdir(exist_ok=True)
    accounts = _accounts()
    if os.geteuid() == 0:
        os.chown(mail, int(accounts["mail_uid"]), int(accounts["mail_gid"]))
    wrapper = directory / "checkpassword"
    # Dovecot starts the program with a clean environment: name the very package that
    # wrote this configuration, so a checkout run with PYTHONPATH answers with its own code.
    package_root = Path(__file__).resolve().parents[2]
    wrapper.write_text(
        "#!/bin/sh\n"
        "# Dovecot passdb → WorkMail Local's mailbox authentication endpoint.\n"
        f"PYTHONPATH={shlex.quote(str(package_root))} exec {shlex.quote(sys.executable)} -m workmail_local "
        f"checkpassword --endpoint {shlex.quote(endpoint)} \"$@\"\n"
    )
    wrapper.chmod(0o755)
    # As root, the auth process (which runs the checkpassword program) stays root, so the
    # program can live anywhere, e.g. in a private checkout; otherwise it is the caller.
    auth_service = "service auth {\n  user = root\n}\n" if os.geteuid() == 0 else ""
    config = directory / "dovecot.conf"
    config.write_text(f"""# Written by `workmail-local dovecot-config`: IMAP on 127.0.0.1:{port}, logins checked by
# WorkMail Local at {endpoint}.
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
info_log_path = {directory}/dovecot.log
listen = 127.0.0.1
protocols = imap{" lmtp" if lmtp_port is not None else ""}
{_tls(imaps_port, tls)}# Plain-text logins on loopback: this is a test rig, not a mail service.
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {accounts["internal_user"]}
default_internal_group = {accounts["internal_group"]}
default_login_user = {accounts["login_user"]}
first_valid_uid = 1
passdb {{
  driver = checkpassword
  args = {wrapper}
}}
userdb {{
  driver = static
  args = uid={accounts["mail_uid"]} gid={accounts["mail_gid"]} home={mail}/%u allow_all_users=yes
}}
mail_location = maildir:~/Maildir
# LMTP recipients are entity IDs, without a domain; the mailbox is the whole ID.
lmtp_save_to_detail_mailbox = no
recipient_delimiter =
# ... so the Delivered-To/Received headers Dovecot would add name no internal ID.
lmtp_hdr_delivery_address = none
{auth_service}# No growing delays after failed logins (Dovecot's auth penalty): tests refuse logins on purpose.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{_services(port, lmtp_port, imaps_port)}""")
    return f"dovecot -F -c {shlex.quote(str(config))}"
