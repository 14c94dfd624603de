"""The credentials file: access keys, their secrets and the account each belongs to.

The AWS shared-credentials INI format, one ``[profile]`` per key::

    [admin]
    aws_access_key_id = AKIAEXAMPLEADMIN
    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    account_id = 111122223333

``aws_account_id`` (what newer SDKs write) is accepted for ``account_id``. Without
either, the key belongs to the account it would in open mode (a 12-digit key is that
account, anything else ``000000000000``). Other keys (``aws_session_token``,
``region`` …) are ignored, and so are sections that name no key at all.
"""

from __future__ import annotations

import ast
import configparser
from dataclasses import dataclass
from pathlib import Path

from workmail_local.protocol.sigv4 import default_account

ACCOUNT_OPTIONS = ("account_id", "aws_account_id")


class CredentialsFileError(ValueError):
    """The credentials file cannot be read or is malformed; the message says where and why."""


@dataclass(frozen=True, slots=True)
class AccessKey:
    """One configured access key."""

    access_key_id: str
    secret_access_key: str
    account: str
    profile: str


def load_credentials_file(path: Path) -> dict[str, AccessKey]:
    """Read ``path`` into ``{access key ID: AccessKey}``, or raise :class:`CredentialsFileError`."""
    parser = configparser.RawConfigParser(default_section="\x00no-defaults")
    try:
        with path.open(encoding="utf-8") as f:
            parser.read_file(f)
    except OSError as exc:
        raise CredentialsFileError(f"cannot read credentials file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CredentialsFileError(f"credentials file {path} is not UTF-8 text: {exc.reason}") from None
    except configparser.Error as exc:
        # configparser's messages name the line; keep them, minus its repr of the file name.
        raise CredentialsFileError(f"credentials file {path} is malformed: {_describe(exc)}") from None
    keys: dict[str, AccessKey] = {}
    for profile in parser.sections():
        key = _key_of(parser, profile, path)
        if key is None:
            continue
        other = keys.get(key.access_key_id)
        if other is not None and (other.secret_access_key, other.account) != (key.secret_access_key, key.account):
            raise CredentialsFileError(
                f"credentials file {path}: access key {key.access_key_id} appears in profiles "
                f"[{other.profile}] and [{profile}] with different secrets or accounts")
        keys.setdefault(key.access_key_id, key)
    if not keys:
        raise CredentialsFileError(
            f"credentials file {path} defines no access key: each profile needs "
            "aws_access_key_id and aws_secret_access_key")
    return keys


def _key_of(parser: configparser.RawConfigParser, profile: str, path: Path) -> AccessKey | None:
    key_id = parser.get(profile, "aws_access_key_id", fallback="").strip()
    secret = parser.get(profile, "aws_secret_access_key", fallback="").strip()
    if not key_id and not secret:
        return None
    where = f"credentials file {path}, profile [{profile}]"
    if not key_id:
        raise CredentialsFileError(f"{where}: aws_secret_access_key without aws_access_key_id")
    if not secret:
        raise CredentialsFileError(f"{where}: aws_access_key_id without aws_secret_access_key")
    if any(c in key_id for c in "/, =") or not key_id.isprintable():
        raise CredentialsFileError(f"{where}: aws_access_key_id {key_id!r} cannot appear in a SigV4 credential")
    accounts = {o: parser.get(profile, o).strip() for o in ACCOUNT_OPTIONS if parser.has_option(profile, o)}
    if len(set(accounts.values())) > 1:
        raise CredentialsFileError(f"{where}: account_id and aws_account_id disagree")
    account = next(iter(accounts.values()), None)
    if account is None:
        account = default_account(key_id)
    elif len(account) != 12 or not account.isdigit():
        raise CredentialsFileError(f"{where}: the account ID must be 12 digits, got {account!r}")
    return AccessKey(key_id, secret, account, profile)


def _describe(exc: configparser.Error) -> str:
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before any [profile] header: {exc.line.strip()!r}"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"profile [{exc.section}] appears twice (line {exc.lineno})"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{exc.option} appears twice in profile [{exc.section}] (line {exc.lineno})"
    if isinstance(exc, configparser.ParsingError):
        lines = ", ".join(f"line {lineno}: {_unrepr(line).strip()!r}" for lineno, line in exc.errors)
        return f"lines that are not 'name = value': {lines}"
    return exc.message


def _unrepr(line: str) -> str:
    """configparser keeps a bad line as its repr; show the line itself."""
    try:
        value = ast.literal_eval(line)
    except (ValueError, SyntaxError):
        return line
    return value if isinstance(value, str) else line
