"""Every setting in one place: command-line flags, each also read from ``WORKMAIL_LOCAL_<NAME>``."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DEFAULT_PORT = 8038
VALIDATION_ERRORS = ("InvalidParameterException", "ValidationException")
AUTH_MODES = ("open", "enforce")
MAIL_DOMAIN_VERIFICATION_MODES = ("auto", "manual")


def default_data_dir() -> Path:
    """The per-user data directory (e.g. ``~/.local/share/workmail-local``)."""
    return Path(platformdirs.user_data_dir("workmail-local", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """The server's settings; see ``workmail-local serve --help``."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path | None = None
    in_memory: bool = False
    org_activation_delay: float = 0.0
    validation_error: str = "InvalidParameterException"
    log_level: str = "info"
    auth: str = "open"
    credentials_file: Path | None = None
    database_url: str | None = None
    # auto: a registered mail domain is VERIFIED at once; manual: PENDING until the control API says.
    mail_domain_verification: str = "auto"
    # The key that seals TOTP secrets at rest (default: secrets.key in the data directory).
    secrets_key_file: Path | None = None

    @property
    def resolved_data_dir(self) -> Path | None:
        if self.in_memory or self.database_url:
            return None
        return self.data_dir if self.data_dir is not None else default_data_dir()


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"WORKMAIL_LOCAL_{name}", default)


def _env_flag(name: str) -> bool:
    return (_env(name) or "").strip().lower() in ("1", "true", "yes", "on")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` flags; every default comes from its environment variable when set."""
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"),
                        help="address to listen on [WORKMAIL_LOCAL_HOST] (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(_env("PORT", str(DEFAULT_PORT)) or DEFAULT_PORT),
                        help=f"port to listen on [WORKMAIL_LOCAL_PORT] (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--data-dir", type=Path, default=_env("DATA_DIR"),
                        help="directory of the SQLite database [WORKMAIL_LOCAL_DATA_DIR] "
                             f"(default {default_data_dir()})")
    parser.add_argument("--database-url", metavar="URL", default=_env("DATABASE_URL"),
                        help="PostgreSQL database shared by several processes, "
                             "postgresql://user:password@host:port/database [WORKMAIL_LOCAL_DATABASE_URL] "
                             "(default: SQLite in --data-dir)")
    parser.add_argument("--in-memory", action="store_true", default=_env_flag("IN_MEMORY"),
                        help="keep all state in memory, write no file [WORKMAIL_LOCAL_IN_MEMORY]")
    parser.add_argument("--org-activation-delay", type=float, metavar="SECONDS",
                        default=float(_env("ORG_ACTIVATION_DELAY", "0") or 0),
                        help="seconds an organization stays Creating (and Deleting) "
                             "[WORKMAIL_LOCAL_ORG_ACTIVATION_DELAY] (default 0)")
    parser.add_argument("--validation-error", choices=VALIDATION_ERRORS,
                        default=_env("VALIDATION_ERROR", "InvalidParameterException"),
                        help="error name for WorkMail input that breaks the model's constraints "
                             "[WORKMAIL_LOCAL_VALIDATION_ERROR] (default InvalidParameterException)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                        default=_env("LOG_LEVEL", "info"),
                        help="info logs one line per request [WORKMAIL_LOCAL_LOG_LEVEL] (default info)")
    parser.add_argument("--auth", choices=AUTH_MODES, default=_env("AUTH", "open"),
                        help="open: SigV4 signatures are parsed, not verified; enforce: verified against "
                             "the credentials file [WORKMAIL_LOCAL_AUTH] (default open)")
    parser.add_argument("--credentials-file", type=Path, metavar="PATH", default=_env("CREDENTIALS_FILE"),
                        help="AWS shared-credentials INI file: access keys, secrets and account_id per profile "
                             "[WORKMAIL_LOCAL_CREDENTIALS_FILE] (required by --auth enforce)")
    parser.add_argument("--mail-domain-verification", choices=MAIL_DOMAIN_VERIFICATION_MODES,
                        default=_env("MAIL_DOMAIN_VERIFICATION", "auto"),
                        help="auto: registered mail domains are VERIFIED at once; manual: PENDING until "
                             "POST /_workmail-local/mail-domains/verification sets them "
                             "[WORKMAIL_LOCAL_MAIL_DOMAIN_VERIFICATION] (default auto)")
    parser.add_argument("--secrets-key-file", type=Path, metavar="PATH", default=_env("SECRETS_KEY_FILE"),
                        help="key that encrypts the TOTP secrets in the database, created (mode 0600) when "
                             "absent; give every process sharing a PostgreSQL database the same file "
                             "[WORKMAIL_LOCAL_SECRETS_KEY_FILE] (default: secrets.key in the data directory)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed ``serve`` arguments, checked."""
    if args.validation_error not in VALIDATION_ERRORS:
        raise SystemExit(f"WORKMAIL_LOCAL_VALIDATION_ERROR must be one of {', '.join(VALIDATION_ERRORS)}")
    if args.org_activation_delay < 0:
        raise SystemExit("--org-activation-delay must be 0 or more seconds")
    if args.auth not in AUTH_MODES:
        raise SystemExit(f"WORKMAIL_LOCAL_AUTH must be one of {', '.join(AUTH_MODES)}")
    if args.mail_domain_verification not in MAIL_DOMAIN_VERIFICATION_MODES:
        raise SystemExit("WORKMAIL_LOCAL_MAIL_DOMAIN_VERIFICATION must be one of "
                         f"{', '.join(MAIL_DOMAIN_VERIFICATION_MODES)}")
    if args.auth == "enforce" and not args.credentials_file:
        raise SystemExit("--auth enforce verifies signatures against configured keys: pass --credentials-file PATH "
                         "(or set WORKMAIL_LOCAL_CREDENTIALS_FILE)")
    if args.database_url:
        if not args.database_url.startswith(("postgresql://", "postgres://")):
            raise SystemExit("--database-url must be a PostgreSQL URL: postgresql://user:password@host:port/database")
        if args.in_memory or args.data_dir:
            raise SystemExit("--database-url keeps state in PostgreSQL: drop --in-memory and --data-dir "
                             "(or WORKMAIL_LOCAL_IN_MEMORY / WORKMAIL_LOCAL_DATA_DIR)")
    return Settings(
        host=args.host,
        port=args.port,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        in_memory=args.in_memory,
        org_activation_delay=args.org_activation_delay,
        validation_error=args.validation_error,
        log_level=args.log_level,
        auth=args.auth,
        credentials_file=Path(args.credentials_file) if args.credentials_file else None,
        database_url=args.database_url or None,
        mail_domain_verification=args.mail_domain_verification,
        secrets_key_file=Path(args.secrets_key_file) if args.secrets_key_file else None,
    )
