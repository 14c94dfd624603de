"""Every setting in one place: command-line flags, each also read from ``WORKMAIL_LOCAL_<NAME>``.

Flags are parsed as plain strings and converted here, after parsing, so that a bad
value (on the command line or in the environment) stops with one line naming the
setting, the value and what is allowed (:class:`SettingError`, exit status 2) — and
``--help`` works whatever the environment holds.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from workmail_local import settings_values as values
from workmail_local.settings_values import Reader, SettingError, check_data_dir, env_name

DEFAULT_PORT = 8038
DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024
DEFAULT_IDLE_TIMEOUT = 10.0
DEFAULT_LOGIN_HISTORY = 10_000
# WorkMail's documented limit on a message's size: 25 MB.
DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024
VALIDATION_ERRORS = ("InvalidParameterException", "ValidationException")
AUTH_MODES = ("open", "enforce")
LOG_LEVELS = ("debug", "info", "warning", "error")
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
    # A request body larger than this is refused with 413 before it is read.
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    # A connection with no complete request for this long is closed.
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    # The key that seals TOTP secrets at rest (default: secrets.key in the data directory).
    secrets_key_file: Path | None = None
    # Dovecot's mail directory: mailboxes at <mail_dir>/<entity-id>/Maildir (mail/mailstore.py).
    mail_dir: Path | None = None
    # Mailbox export jobs: at least this many seconds of real time each (progress rises over them).
    export_job_seconds: float = 0.0
    # False (--no-export-daily-limit): a mailbox may be exported more than once in 24 hours.
    export_daily_limit: bool = True
    # An S3-compatible endpoint for export archives; None: the embedded store (<data-dir>/s3).
    s3_endpoint_url: str | None = None
    # Lambda ARN → local HTTP endpoint that TestAvailabilityConfiguration POSTs to instead.
    availability_lambda_endpoints: tuple[tuple[str, str], ...] = ()
    # Mailbox login attempts kept per organization (the console and /mailbox/logins).
    login_history: int = DEFAULT_LOGIN_HISTORY
    # SMTP submission (mail/smtp.py): implicit TLS and/or plain (loopback only); None: not served.
    smtps_port: int | None = None
    smtp_port: int | None = None
    # The SMTPS certificate; none given: a self-signed one in the data directory (mail/tls.py).
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Dovecot's LMTP service, where accepted mail is delivered: (host, port).
    lmtp: tuple[str, int] | None = None
    # A message larger than this is refused at DATA (552).
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    # Processes answering on the one port (supervisor.py); 1: this process alone.
    workers: int = 1

    @property
    def resolved_data_dir(self) -> Path | None:
        if self.in_memory or self.database_url:
            return None
        return self.data_dir if self.data_dir is not None else default_data_dir()


# (flag, environment suffix, metavar, help); every default is applied in settings_from_args.
_FLAGS: tuple[tuple[str, str, str | None, str], ...] = (
    ("--host", "HOST", None, "address to listen on (default 127.0.0.1)"),
    ("--port", "PORT", None, f"port to listen on, 0-65535 (default {DEFAULT_PORT}; 0 picks a free one)"),
    ("--data-dir", "DATA_DIR", "DIR", f"directory of the SQLite database (default {default_data_dir()}); "
                                      "its parent directory must exist"),
    ("--database-url", "DATABASE_URL", "URL", "PostgreSQL database shared by several processes, "
                                              "postgresql://user:password@host:port/database "
                                              "(default: SQLite in --data-dir)"),
    ("--org-activation-delay", "ORG_ACTIVATION_DELAY", "SECONDS",
     "seconds an organization stays Creating (and Deleting) (default 0)"),
    ("--validation-error", "VALIDATION_ERROR", "NAME",
     "error name for WorkMail input that breaks the model's constraints: "
     f"{' or '.join(VALIDATION_ERRORS)} (default InvalidParameterException)"),
    ("--log-level", "LOG_LEVEL", "LEVEL", f"{', '.join(LOG_LEVELS)}; info logs one line per request (default info)"),
    ("--auth", "AUTH", "MODE", "open: SigV4 signatures are parsed, not verified; enforce: verified against "
                               "the credentials file, also for the control API's admin endpoints (default open)"),
    ("--credentials-file", "CREDENTIALS_FILE", "PATH",
     "AWS shared-credentials INI file: access keys, secrets and account_id per profile (required by --auth enforce)"),
    ("--mail-domain-verification", "MAIL_DOMAIN_VERIFICATION", "MODE",
     "auto: registered mail domains are VERIFIED at once; manual: PENDING until "
     "POST /_workmail-local/mail-domains/verification sets them (default auto)"),
    ("--max-request-bytes", "MAX_REQUEST_BYTES", "N",
     f"largest request body accepted; larger ones answer 413 (default {DEFAULT_MAX_REQUEST_BYTES}, 8 MiB)"),
    ("--idle-timeout", "IDLE_TIMEOUT", "SECONDS",
     f"close a connection that has not sent a complete request for this long (default {DEFAULT_IDLE_TIMEOUT:g})"),
    ("--secrets-key-file", "SECRETS_KEY_FILE", "PATH",
     "key that encrypts the TOTP secrets in the database, created (mode 0600) when absent; give every process "
     "sharing a PostgreSQL database the same file (default: secrets.key in the data directory)"),
    ("--mail-dir", "MAIL_DIR", "DIR",
     "Dovecot's mail directory (the mail folder of dovecot-config's directory), where mailboxes are "
     "DIR/<entity-id>/Maildir: mailbox sizes and exports read it (default: none)"),
    ("--export-job-seconds", "EXPORT_JOB_SECONDS", "SECONDS",
     "every mailbox export job takes at least this many seconds of real time, its progress rising over them "
     "(default 0)"),
    ("--s3-endpoint-url", "S3_ENDPOINT_URL", "URL",
     "S3-compatible endpoint (http(s)://host[:port]) that export archives are uploaded to, with the AWS "
     "credentials of the environment (default: the embedded store, DATA-DIR/s3/<bucket>/<key>)"),
    ("--availability-lambda-endpoints", "AVAILABILITY_LAMBDA_ENDPOINTS", "ARN=URL[,ARN=URL...]",
     "local HTTP endpoints that stand in for availability provider Lambda functions: "
     "TestAvailabilityConfiguration POSTs the availability request JSON there (default: none)"),
    ("--login-history", "LOGIN_HISTORY", "N",
     f"mailbox login attempts kept per organization, older ones are dropped (default {DEFAULT_LOGIN_HISTORY})"),
    ("--smtps-port", "SMTPS_PORT", "PORT", "serve SMTP submission with implicit TLS on this port, 0 picks a free one "
                                           "(default: not served)"),
    ("--smtp-port", "SMTP_PORT", "PORT", "serve SMTP submission without TLS on this port; only with a loopback "
                                         "--host (default: not served)"),
    ("--tls-cert", "TLS_CERT", "FILE", "PEM certificate (chain) of SMTPS (default: a self-signed one for localhost "
                                       "and 127.0.0.1, generated once into the data directory)"),
    ("--tls-key", "TLS_KEY", "FILE", "PEM private key of --tls-cert"),
    ("--lmtp", "LMTP", "HOST:PORT", "Dovecot's LMTP service (dovecot-config --lmtp-port), where accepted mail is "
                                    "delivered (default: none; mail for mailboxes is refused with 451)"),
    ("--max-message-bytes", "MAX_MESSAGE_BYTES", "N",
     f"largest message SMTP accepts; larger ones answer 552 (default {DEFAULT_MAX_MESSAGE_BYTES}, WorkMail's 25 MB)"),
    ("--workers", "WORKERS", "N", "processes answering on the one port (and SMTP's), sharing the SQLite file or the "
                                  "PostgreSQL database; not with --in-memory (default 1: this process alone)"),
)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` flags. Values stay strings here (see the module docstring)."""
    for flag, env, metavar, text in _FLAGS:
        parser.add_argument(flag, metavar=metavar, default=None, help=f"{text} [{env_name(env)}]")
    parser.add_argument("--in-memory", action="store_true", default=None,
                        help=f"keep all state in memory, write no file [{env_name('IN_MEMORY')}=1]")
    parser.add_argument("--no-export-daily-limit", action="store_true", default=None,
                        help="let a mailbox be exported more than once in 24 hours (for tests) "
                             f"[{env_name('NO_EXPORT_DAILY_LIMIT')}=1]")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed ``serve`` arguments and the environment, checked.

    Raises :class:`SettingError` (one line) for the first setting that cannot be used."""
    r = Reader(args)
    in_memory = r.get("--in-memory", "IN_MEMORY", False,
                      lambda v, s: v if isinstance(v, bool) else values.boolean(v, s))
    auth = r.get("--auth", "AUTH", "open", values.choice(AUTH_MODES))
    credentials_file = r.get("--credentials-file", "CREDENTIALS_FILE", None)
    secrets_key_file = r.get("--secrets-key-file", "SECRETS_KEY_FILE", None)
    mail_dir = r.get("--mail-dir", "MAIL_DIR", None)
    tls_cert = r.get("--tls-cert", "TLS_CERT", None)
    tls_key = r.get("--tls-key", "TLS_KEY", None)
    database_url = r.get("--database-url", "DATABASE_URL", None)
    no_daily_limit = r.get("--no-export-daily-limit", "NO_EXPORT_DAILY_LIMIT", False,
                           lambda v, s: v if isinstance(v, bool) else values.boolean(v, s))
    s3_endpoint_url = r.get("--s3-endpoint-url", "S3_ENDPOINT_URL", None, values.endpoint_url)
    lambda_endpoints = r.get("--availability-lambda-endpoints", "AVAILABILITY_LAMBDA_ENDPOINTS", (),
                             values.lambda_endpoints)
    data_dir_text, data_dir_source = r.raw("--data-dir", "DATA_DIR", None)
    settings = Settings(
        host=r.get("--host", "HOST", "127.0.0.1"),
        port=r.get("--port", "PORT", DEFAULT_PORT, values.port),
        data_dir=Path(data_dir_text) if data_dir_text else None,
        in_memory=in_memory,
        org_activation_delay=r.get("--org-activation-delay", "ORG_ACTIVATION_DELAY", 0.0,
                                   values.seconds("a number of seconds, 0 or more")),
        validation_error=r.get("--validation-error", "VALIDATION_ERROR", "InvalidParameterException",
                               values.choice(VALIDATION_ERRORS)),
        log_level=r.get("--log-level", "LOG_LEVEL", "info", values.choice(LOG_LEVELS)),
        auth=auth,
        credentials_file=Path(credentials_file) if credentials_file else None,
        database_url=database_url or None,
        mail_domain_verification=r.get("--mail-domain-verification", "MAIL_DOMAIN_VERIFICATION", "auto",
                                       values.choice(MAIL_DOMAIN_VERIFICATION_MODES)),
        max_request_bytes=r.get("--max-request-bytes", "MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES,
                                values.byte_count),
        idle_timeout=r.get("--idle-timeout", "IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT,
                           values.seconds("a number of seconds greater than 0", positive=True)),
        secrets_key_file=Path(secrets_key_file) if secrets_key_file else None,
        mail_dir=Path(mail_dir) if mail_dir else None,
        export_job_seconds=r.get("--export-job-seconds", "EXPORT_JOB_SECONDS", 0.0,
                                 values.seconds("a number of seconds, 0 or more")),
        export_daily_limit=not no_daily_limit,
        s3_endpoint_url=s3_endpoint_url or None,
        availability_lambda_endpoints=lambda_endpoints,
        login_history=r.get("--login-history", "LOGIN_HISTORY", DEFAULT_LOGIN_HISTORY, values.whole_number("logins")),
        smtps_port=r.get("--smtps-port", "SMTPS_PORT", None, values.port),
        smtp_port=r.get("--smtp-port", "SMTP_PORT", None, values.port),
        tls_cert=Path(tls_cert) if tls_cert else None,
        tls_key=Path(tls_key) if tls_key else None,
        lmtp=r.get("--lmtp", "LMTP", None, values.host_port),
        max_message_bytes=r.get("--max-message-bytes", "MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES,
                                values.byte_count),
        workers=r.get("--workers", "WORKERS", 1, values.whole_number("processes")),
    )
    if settings.smtp_port is not None and not values.is_loopback(settings.host):
        raise SettingError(f"--smtp-port serves SMTP without TLS, which is allowed on a loopback --host only "
                           f"(127.0.0.1, ::1, localhost); got --host {settings.host!r}: use --smtps-port")
    if (tls_cert is None) != (tls_key is None):
        raise SettingError("--tls-cert and --tls-key go together: give both (or neither, for a self-signed one)")
    if auth == "enforce" and not credentials_file:
        raise SettingError("--auth enforce verifies signatures against configured keys: pass --credentials-file PATH "
                           "(or set WORKMAIL_LOCAL_CREDENTIALS_FILE)")
    if settings.workers > 1 and in_memory:
        raise SettingError(f"--workers {settings.workers} runs {settings.workers} processes, which cannot share an "
                           "in-memory store: use --workers 1 with --in-memory, or a --data-dir")
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise SettingError("--database-url must be a PostgreSQL URL: postgresql://user:password@host:port/database")
        if in_memory or data_dir_text:
            raise SettingError("--database-url keeps state in PostgreSQL: drop --in-memory and --data-dir "
                               "(or WORKMAIL_LOCAL_IN_MEMORY / WORKMAIL_LOCAL_DATA_DIR)")
    if settings.data_dir is not None and not in_memory:
        check_data_dir(settings.data_dir, data_dir_source)
    elif settings.resolved_data_dir is not None and settings.resolved_data_dir.exists():
        # The per-user default is created as needed (parents too), but must be usable.
        check_data_dir(settings.resolved_data_dir, "the default data directory")
    return settings
